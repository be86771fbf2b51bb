using Mpt.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Encoder;

/// <summary>What <see cref="BertHfWeights.Load"/> read and what it left out.</summary>
/// <param name="WeightsPath">The weight file (or shard index) read.</param>
/// <param name="HasPooler">Whether the file holds the pooler (<c>pooler.dense.*</c>), so the model has one.</param>
/// <param name="StrippedBertPrefix">The checkpoint was saved from a <c>BertFor*</c> head: its encoder tensors carry
/// the <c>bert.</c> prefix.</param>
/// <param name="IgnoredTensors">Tensors that are not part of <c>BertModel</c> and were not loaded: head tensors
/// (<c>cls.*</c>, <c>classifier.*</c>, …) and the position/token-type id buffers older files store (sorted, as named in
/// the file).</param>
/// <param name="RenamedTensors">Legacy LayerNorm names read under their current name: <c>gamma</c> → <c>weight</c>,
/// <c>beta</c> → <c>bias</c> (as named in the file).</param>
public sealed record BertHfWeightsReport(
    string WeightsPath, bool HasPooler, bool StrippedBertPrefix, IReadOnlyList<string> IgnoredTensors, IReadOnlyList<string> RenamedTensors)
{
    /// <summary>One line for a log: the file, the pooler, and what was ignored or renamed.</summary>
    public override string ToString()
    {
        var parts = new List<string> { $"{WeightsPath}: pooler {(HasPooler ? "loaded" : "absent")}" };
        if (StrippedBertPrefix) parts.Add("'bert.' prefix stripped");
        if (IgnoredTensors.Count > 0) parts.Add($"ignored {IgnoredTensors.Count} tensor(s) that are not part of BertModel: [{string.Join(", ", IgnoredTensors)}]");
        if (RenamedTensors.Count > 0) parts.Add($"renamed {RenamedTensors.Count} legacy gamma/beta tensor(s)");
        return string.Join("; ", parts);
    }
}

/// <summary>
/// Loads the weights of a Hugging Face BERT folder into <see cref="BertModel"/>, resolving names the way
/// <c>BertModel.from_pretrained</c> (transformers v4.40) does, then loading strictly:
/// <list type="bullet">
/// <item>a checkpoint saved from a <c>BertFor*</c> head has its encoder under <c>bert.</c> (HF's <c>base_model_prefix</c>);
/// the prefix is removed, and tensors outside it (the head, e.g. <c>cls.predictions.*</c>) are ignored and reported;</item>
/// <item>without the prefix, tensors outside <c>embeddings.</c>, <c>encoder.</c> and <c>pooler.</c> are head tensors,
/// ignored and reported likewise;</item>
/// <item>the <c>embeddings.position_ids</c> / <c>embeddings.token_type_ids</c> buffers that older files store are
/// ignored (HF lists them as keys to ignore);</item>
/// <item>LayerNorm <c>gamma</c> / <c>beta</c> of old TensorFlow-converted checkpoints are read as <c>weight</c> /
/// <c>bias</c> (HF's <c>_fix_key</c>);</item>
/// <item>the pooler is optional: config.json does not say whether the model has one, so the file does;</item>
/// <item>everything else must match exactly: one error lists every missing, unexpected and mis-shaped tensor.</item>
/// </list>
/// Floating tensors stored as F16/BF16/F64 are converted to the requested dtype (float32 by default) as they are read.
/// </summary>
public static class BertHfWeights
{
    private static readonly string[] ModelNamespaces = ["embeddings.", "encoder.", "pooler."];
    private static readonly HashSet<string> IgnoredBuffers = new(StringComparer.Ordinal) { "embeddings.position_ids", "embeddings.token_type_ids" };
    private const string BertPrefix = "bert.";

    /// <summary>
    /// Reads <c>{folder}/config.json</c> (<see cref="BertConfig.FromHfConfigFile"/>) and the folder's weights
    /// (<see cref="HfCheckpoint.ReadStateDict"/>), and returns the loaded model in evaluation mode with the report.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">config.json or every weight file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or the weights do not fit the config (all differences
    /// listed, the weight file named).</exception>
    public static (BertModel Model, BertHfWeightsReport Report) Load(string folder, ScalarType dtype = ScalarType.Float32)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{folder}: BERT model folder not found.");
        var config = BertConfig.FromHfConfigFile(Path.Combine(folder, "config.json"));
        string weightsPath = HfCheckpoint.LocateWeights(folder);
        var checkpoint = HfCheckpoint.ReadStateDict(folder, dtype);
        try
        {
            var (weights, report) = Resolve(checkpoint, weightsPath);
            config = config with { AddPoolingLayer = report.HasPooler };
            ClaimedModelSize.Check(config.ParameterCount(), weights.Values.Sum(t => t.NumberOfElements), Path.Combine(folder, "config.json"), weightsPath);
            var model = new BertModel(config);
            try
            {
                if (dtype != ScalarType.Float32) model.to(dtype);
                model.LoadWeights(weights, weightsPath);
                model.eval();
                return (model, report);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        finally
        {
            foreach (var tensor in checkpoint.Values) tensor.Dispose();
        }
    }

    /// <summary>
    /// Maps checkpoint names to <see cref="BertModel"/> parameter names (prefix, buffers, head tensors, gamma/beta as
    /// described on the class). The returned dictionary shares the checkpoint's tensors.
    /// </summary>
    /// <exception cref="InvalidDataException">Two tensors of the file map to one parameter (e.g. both
    /// <c>LayerNorm.gamma</c> and <c>LayerNorm.weight</c>).</exception>
    public static (Dictionary<string, Tensor> Weights, BertHfWeightsReport Report) Resolve(IReadOnlyDictionary<string, Tensor> checkpoint, string source)
    {
        bool prefixed = checkpoint.Keys.Any(k => k.StartsWith(BertPrefix, StringComparison.Ordinal));
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var fileNameOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var ignored = new List<string>();
        var renamed = new List<string>();
        foreach (var (key, tensor) in checkpoint.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            string? name = !prefixed ? key : key.StartsWith(BertPrefix, StringComparison.Ordinal) ? key[BertPrefix.Length..] : null;
            if (name is null || IgnoredBuffers.Contains(name) || !ModelNamespaces.Any(n => name.StartsWith(n, StringComparison.Ordinal)))
            {
                ignored.Add(key);
                continue;
            }
            string current = LegacyLayerNormName(name);
            if (current != name) renamed.Add(key);
            if (!fileNameOf.TryAdd(current, key))
                throw new InvalidDataException($"{source}: tensors '{fileNameOf[current]}' and '{key}' both load into '{current}'.");
            weights[current] = tensor;
        }
        bool hasPooler = weights.Keys.Any(k => k.StartsWith("pooler.", StringComparison.Ordinal));
        return (weights, new BertHfWeightsReport(source, hasPooler, prefixed, ignored, renamed));
    }

    /// <summary>HF renames LayerNorm parameters of old checkpoints: <c>gamma</c> → <c>weight</c>, <c>beta</c> → <c>bias</c>.</summary>
    private static string LegacyLayerNormName(string name) =>
        name.EndsWith(".gamma", StringComparison.Ordinal) ? name[..^".gamma".Length] + ".weight"
        : name.EndsWith(".beta", StringComparison.Ordinal) ? name[..^".beta".Length] + ".bias"
        : name;
}
