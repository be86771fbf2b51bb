using Mpt.Serialization;
using System.Text.Json;

namespace Mpt.Peft;

/// <summary>
/// The sidecar <c>mpt_model.json</c> that records, next to a prompt's files, the model the prompt was trained for
/// (<see cref="ModelFingerprint"/>).
/// </summary>
/// <remarks>
/// Why a sidecar and not safetensors <c>__metadata__</c>: PEFT ignores unknown metadata, but any extra entry changes the
/// bytes of <c>adapter_model.safetensors</c>, and keeping our adapters byte-identical to what PEFT's
/// <c>save_pretrained</c> writes (so they can be hashed and diffed across the two worlds) matters more. PEFT's
/// <c>from_pretrained</c> reads only <c>adapter_config.json</c> and the weights file, so the sidecar is invisible to
/// it. Format: <c>{"format": "mpt-model-v1", "architecture": {...}, "weights_sha256": "...", "fingerprint_method": "..."}</c>.
/// </remarks>
public static class PromptModelFile
{
    /// <summary>The sidecar's file name.</summary>
    public const string FileName = "mpt_model.json";

    /// <summary>The value of its <c>format</c> key.</summary>
    public const string Format = "mpt-model-v1";

    /// <summary>Writes <c>mpt_model.json</c> into <paramref name="folder"/> (replacing an existing one).</summary>
    public static void Write(string folder, ModelFingerprint fingerprint)
    {
        var a = fingerprint.Architecture;
        var architecture = new Dictionary<string, object?>();
        // Written only for other families than T5, so a T5 prompt's sidecar stays byte for byte what it was.
        if (a.ModelType != ModelArchitecture.T5Type) architecture["model_type"] = a.ModelType;
        var doc = new Dictionary<string, object?>
        {
            ["format"] = Format,
            ["architecture"] = new Dictionary<string, object?>(architecture)
            {
                ["d_model"] = a.DModel,
                ["num_layers"] = a.NumLayers,
                ["num_decoder_layers"] = a.NumDecoderLayers,
                ["num_heads"] = a.NumHeads,
                ["d_kv"] = a.DKv,
                ["d_ff"] = a.DFf,
                ["vocab_size"] = a.VocabSize,
                ["feed_forward_proj"] = a.FeedForwardProj,
                ["tie_word_embeddings"] = a.TieWordEmbeddings,
            },
            ["weights_sha256"] = fingerprint.WeightsSha256,
            ["fingerprint_method"] = fingerprint.Method,
        };
        Serialization.AtomicFile.WriteAllText(Path.Combine(folder, FileName), PythonJson.Dumps(doc) + "\n");
    }

    /// <summary>Reads the sidecar of <paramref name="folder"/>; null when there is none (e.g. an adapter written by PEFT).</summary>
    /// <exception cref="InvalidDataException">The file exists but is malformed (the key is named).</exception>
    public static ModelFingerprint? Read(string folder) => ErrorText.OneLineRejections(() => ReadCore(folder));

    private static ModelFingerprint? ReadCore(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = UntrustedJson.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            string format = Str(root, "format", path);
            if (format != Format)
                throw new InvalidDataException($"{path}: unknown format '{format}' (expected '{Format}').");
            if (!root.TryGetProperty("architecture", out var a) || a.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: key 'architecture' must be an object.");
            var architecture = new ModelArchitecture(
                Int(a, "d_model", path), Int(a, "num_layers", path), Int(a, "num_decoder_layers", path), Int(a, "num_heads", path),
                Int(a, "d_kv", path), Int(a, "d_ff", path), Int(a, "vocab_size", path), Str(a, "feed_forward_proj", path),
                Bool(a, "tie_word_embeddings", path))
            {
                ModelType = a.TryGetProperty("model_type", out _) ? Str(a, "model_type", path) : ModelArchitecture.T5Type,
            };
            return new ModelFingerprint(architecture, Str(root, "weights_sha256", path), Str(root, "fingerprint_method", path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {UntrustedJson.Describe(e)}", e);
        }
    }

    private static JsonElement Get(JsonElement o, string key, JsonValueKind kind, string path) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(key, out var v) && (v.ValueKind == kind || (kind == JsonValueKind.True && v.ValueKind == JsonValueKind.False))
            ? v
            : throw new InvalidDataException($"{path}: key '{key}' is missing or not a {(kind == JsonValueKind.True ? "boolean" : kind.ToString().ToLowerInvariant())}.");

    private static string Str(JsonElement o, string key, string path) => Get(o, key, JsonValueKind.String, path).GetString()!;

    private static bool Bool(JsonElement o, string key, string path) => Get(o, key, JsonValueKind.True, path).GetBoolean();

    private static int Int(JsonElement o, string key, string path) =>
        Get(o, key, JsonValueKind.Number, path).TryGetInt32(out int i) ? i
            : throw new InvalidDataException($"{path}: key '{key}' must be an integer.");
}
