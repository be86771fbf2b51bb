using System.Security.Cryptography;
using System.Text;
using Mpt.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Peft;

/// <summary>
/// Identifies the model a prompt was trained for: its <see cref="ModelArchitecture"/> and a SHA-256 over a deterministic
/// sample of its weights. Stored next to every prompt Mpt writes (<see cref="PromptModelFile"/>) and checked when the
/// prompt is loaded onto a model, so a prompt for <c>t5-base</c> is not silently applied to <c>flan-t5-base</c> (same
/// shapes, different embedding space).
/// </summary>
/// <param name="Architecture">The model's shape.</param>
/// <param name="WeightsSha256">Lowercase hex SHA-256 of the weight sample (see <see cref="Method"/>).</param>
/// <param name="Method">How <paramref name="WeightsSha256"/> was computed; fingerprints of different methods are not compared.</param>
/// <remarks>
/// Method <c>mpt-fingerprint-v1</c> hashes, in order: the UTF-8 text <c>"mpt-fingerprint-v1\n"</c>, the architecture line
/// (<see cref="ModelArchitecture.ToString"/>) and <c>"\n"</c>; then for every parameter in ordinal name order (the HF state
/// dict names, e.g. <c>shared.weight</c>, so the checkpoint's file layout does not matter) the text
/// <c>"{name} [{shape}]\n"</c> followed by K = min(n, 4096) of its n values at flat indices ⌊i·n/K⌋, i = 0..K-1, each
/// rounded to bfloat16 and written as float32 little-endian. Why: hashing every weight of T5-Base (223M values) costs
/// about a second; the strided sample covers every tensor end to end, costs milliseconds, and any training or a different
/// checkpoint changes it. Rounding to bfloat16 makes a float32 and a bfloat16 copy of the same checkpoint agree (both
/// round to nearest even); a float16 copy may differ (double rounding) and then needs the expert override.
/// </remarks>
public sealed record ModelFingerprint(ModelArchitecture Architecture, string WeightsSha256, string Method)
{
    /// <summary>The current fingerprint method.</summary>
    public const string CurrentMethod = "mpt-fingerprint-v1";

    /// <summary>Values sampled per parameter.</summary>
    public const int SamplesPerParameter = 4096;

    /// <summary>Computes the fingerprint of a loaded model (any dtype or device; the model is not changed).</summary>
    public static ModelFingerprint Compute(T5ForConditionalGeneration model) => Compute(ModelArchitecture.From(model.Config), model);

    /// <summary>Computes the fingerprint of a loaded BERT encoder (same method as for T5, over its HF parameter names).</summary>
    public static ModelFingerprint Compute(Encoder.BertModel model) => Compute(ModelArchitecture.From(model.Config), model);

    private static ModelFingerprint Compute(ModelArchitecture architecture, nn.Module model)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{CurrentMethod}\n{architecture}\n"));
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in model.named_parameters().OrderBy(p => p.name, StringComparer.Ordinal))
        {
            using var scope = torch.NewDisposeScope();
            sha.AppendData(Encoding.UTF8.GetBytes($"{name} [{string.Join(",", parameter.shape)}]\n"));
            long n = parameter.numel();
            if (n == 0) continue;
            long k = Math.Min(n, SamplesPerParameter);
            var flat = parameter.detach().reshape(-1);
            var index = torch.arange(k, ScalarType.Int64, flat.device).mul(n).div(k, rounding_mode: RoundingMode.floor); // ⌊i·n/K⌋
            var sample = flat.index_select(0, index).to(ScalarType.BFloat16).to(ScalarType.Float32, torch.CPU).contiguous();
            if (!BitConverter.IsLittleEndian)
                throw new PlatformNotSupportedException("the model fingerprint is defined on little-endian float32 bytes.");
            sha.AppendData(sample.bytes);
        }
        return new ModelFingerprint(architecture, Convert.ToHexStringLower(sha.GetHashAndReset()), CurrentMethod);
    }

    /// <summary>Short form for messages: architecture and the first 12 hex digits of the hash.</summary>
    public override string ToString() => $"{Architecture}, weights {WeightsSha256[..Math.Min(12, WeightsSha256.Length)]} ({Method})";

    /// <summary>
    /// Checks that a prompt recorded as trained for <paramref name="trainedFor"/> may be used with the model whose
    /// fingerprint is <paramref name="actual"/>.
    /// </summary>
    /// <param name="trainedFor">The recorded model (from <see cref="PromptModelFile"/>).</param>
    /// <param name="actual">The model the prompt is about to be used with.</param>
    /// <param name="source">The prompt's file or folder, for the message.</param>
    /// <param name="allowMismatch">Expert override: accept a different architecture or different weights when d_model matches.</param>
    /// <exception cref="ModelMismatchException">The models differ (and the difference is not overridden).</exception>
    public static void EnsureSameModel(ModelFingerprint trainedFor, ModelFingerprint actual, string source, bool allowMismatch)
    {
        if (trainedFor.Architecture.DModel != actual.Architecture.DModel)
            throw new ModelMismatchException(
                $"{source}: the prompt was trained for another model: trained for {trainedFor}; this model is {actual}. " +
                $"Its width {trainedFor.Architecture.DModel} cannot be applied to d_model {actual.Architecture.DModel}, so no override exists.",
                overridable: false);
        string? difference =
            trainedFor.Architecture != actual.Architecture ? "architecture"
            : trainedFor.Method != actual.Method ? $"fingerprint method ({trainedFor.Method} vs {actual.Method})"
            : trainedFor.WeightsSha256 != actual.WeightsSha256 ? "weights"
            : null;
        if (difference is null || allowMismatch) return;
        throw new ModelMismatchException(
            $"{source}: the prompt was trained for another model ({difference} differ): trained for {trainedFor} " +
            $"[sha256 {trainedFor.WeightsSha256}]; this model is {actual} [sha256 {actual.WeightsSha256}]. " +
            "Load the model it was trained for, or set AllowModelMismatch (experts: a soft prompt is tied to one model's " +
            "embedding space and usually performs at chance on other weights).",
            overridable: true);
    }
}
