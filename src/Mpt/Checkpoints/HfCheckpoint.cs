using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Checkpoints;

/// <summary>
/// Reads the weights of a Hugging Face model folder (as written by <c>save_pretrained</c>) into a state dict, looking
/// for the weight files in the order transformers' <c>from_pretrained</c> prefers them.
/// </summary>
public static class HfCheckpoint
{
    /// <summary>Single-file safetensors weights (<c>SAFE_WEIGHTS_NAME</c> in transformers).</summary>
    public const string SafetensorsName = "model.safetensors";

    /// <summary>Index of sharded safetensors weights (<c>SAFE_WEIGHTS_INDEX_NAME</c>).</summary>
    public const string SafetensorsIndexName = "model.safetensors.index.json";

    /// <summary>Single-file <c>torch.save</c> weights (<c>WEIGHTS_NAME</c>).</summary>
    public const string PyTorchName = "pytorch_model.bin";

    /// <summary>Index of sharded <c>torch.save</c> weights (<c>WEIGHTS_INDEX_NAME</c>).</summary>
    public const string PyTorchIndexName = "pytorch_model.bin.index.json";

    /// <summary>
    /// The weight files looked for, most preferred first: transformers' <c>from_pretrained</c> (v4.40) takes
    /// safetensors over <c>.bin</c> and a single file over a sharded index.
    /// </summary>
    public static IReadOnlyList<string> WeightFileNames { get; } = [SafetensorsName, SafetensorsIndexName, PyTorchName, PyTorchIndexName];

    /// <summary>The weight file (or shard index) <see cref="ReadStateDict"/> would read from a model folder.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder holds none of <see cref="WeightFileNames"/>.</exception>
    public static string LocateWeights(string modelDir)
    {
        if (!Directory.Exists(modelDir))
            throw new DirectoryNotFoundException($"{modelDir}: model folder not found.");
        foreach (string name in WeightFileNames)
        {
            string candidate = Path.Combine(modelDir, name);
            if (File.Exists(candidate)) return candidate;
        }
        var present = Directory.EnumerateFileSystemEntries(modelDir).Select(Path.GetFileName).Order(StringComparer.Ordinal).Take(20).ToList();
        string holds = present.Count == 0 ? "it is empty" : $"it holds {string.Join(", ", present)}";
        throw new FileNotFoundException(
            $"{modelDir}: no model weights found: looked for {string.Join(", ", WeightFileNames)}; {holds}.",
            Path.Combine(modelDir, SafetensorsName));
    }

    /// <summary>
    /// Reads a model folder's weights onto the CPU: <c>model.safetensors</c>, else the shards listed by
    /// <c>model.safetensors.index.json</c>, else <c>pytorch_model.bin</c> (zip-format <c>torch.save</c>), else the
    /// shards listed by <c>pytorch_model.bin.index.json</c>. A sharded checkpoint must hold exactly the tensors its
    /// index lists, each in the shard the index names.
    /// </summary>
    /// <param name="modelDir">The model folder.</param>
    /// <param name="dtype">When given (a floating type), every floating tensor (F64/F32/F16/BF16) is converted to it
    /// as it is read, so the stored and converted copies of the whole model never coexist; integer and bool tensors
    /// keep their dtype. When null, tensors keep their stored dtype.</param>
    /// <returns>Tensor name → tensor, with the names exactly as stored (tied duplicates are not re-created).</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">No weight file, or a shard named by the index, exists.</exception>
    /// <exception cref="InvalidDataException">A file is truncated or corrupt, has an unsupported dtype, or a shard
    /// disagrees with its index.</exception>
    /// <exception cref="NotSupportedException">A <c>.bin</c> file uses the legacy non-zip <c>torch.save</c> format.</exception>
    public static Dictionary<string, Tensor> ReadStateDict(string modelDir, ScalarType? dtype = null)
    {
        if (dtype is { } d && !SafetensorsFile.IsFloating(d))
            throw new ArgumentException($"dtype {d} is not a floating-point type; only floating tensors are converted.", nameof(dtype));
        string weights = LocateWeights(modelDir);
        return Path.GetFileName(weights) switch
        {
            SafetensorsName => SafetensorsFile.Read(weights, static _ => true, dtype, SafetensorsFile.DefaultChunkBytes),
            PyTorchName => ConvertAll(PyTorchCheckpointFile.Read(weights), dtype),
            SafetensorsIndexName => ReadSharded(weights, dtype, safetensors: true),
            _ => ReadSharded(weights, dtype, safetensors: false),
        };
    }

    /// <summary>
    /// Checks a state dict against the shapes a model expects, strictly: no key missing, none unexpected, every shape
    /// equal. All differences are reported in one message (see <see cref="StateDictMismatch.Describe"/>).
    /// </summary>
    /// <param name="expectedShapes">Parameter name → shape, as the model defines them.</param>
    /// <param name="stateDict">The tensors read from a checkpoint.</param>
    /// <param name="source">What the tensors came from (e.g. the file name), for the message.</param>
    /// <exception cref="InvalidDataException">The state dict does not match.</exception>
    public static void ValidateAgainst(IReadOnlyDictionary<string, long[]> expectedShapes, IReadOnlyDictionary<string, Tensor> stateDict, string source)
    {
        var mismatch = StateDictMismatch.Compare(expectedShapes, stateDict);
        if (!mismatch.IsEmpty) throw new InvalidDataException(mismatch.Describe(source));
    }

    private static Dictionary<string, Tensor> ReadSharded(string indexPath, ScalarType? dtype, bool safetensors)
    {
        var index = ShardIndex.Read(indexPath);
        string dir = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (string shard in index.ShardFiles)
            {
                string shardPath = Path.Combine(dir, shard);
                if (!File.Exists(shardPath))
                    throw new FileNotFoundException($"{indexPath}: shard '{shard}' listed in weight_map does not exist.", shardPath);
                var listed = index.KeysIn(shard);
                var tensors = safetensors
                    ? ReadSafetensorsShard(shardPath, listed, dtype)
                    : ConvertAll(PyTorchCheckpointFile.Read(shardPath), dtype);
                foreach (var (name, t) in tensors) result[name] = t;
                CheckShardAgainstIndex(indexPath, shard, listed, tensors.Keys);
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Validates the whole shard header, then reads only the listed tensors (extras are reported unread).</summary>
    private static Dictionary<string, Tensor> ReadSafetensorsShard(string shardPath, IReadOnlySet<string> listed, ScalarType? dtype)
    {
        var header = SafetensorsFile.ReadHeader(shardPath);
        var extra = header.Entries.Select(e => e.Name).Where(n => !listed.Contains(n)).Order(StringComparer.Ordinal).ToList();
        if (extra.Count > 0)
            throw new InvalidDataException($"{shardPath}: holds tensors the index does not assign to it: [{string.Join(", ", extra)}].");
        return SafetensorsFile.Read(shardPath, listed.Contains, dtype, SafetensorsFile.DefaultChunkBytes);
    }

    private static void CheckShardAgainstIndex(string indexPath, string shard, IReadOnlySet<string> listed, IEnumerable<string> present)
    {
        var presentSet = present.ToHashSet(StringComparer.Ordinal);
        var missing = listed.Where(k => !presentSet.Contains(k)).Order(StringComparer.Ordinal).ToList();
        var extra = presentSet.Where(k => !listed.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{indexPath}: shard '{shard}' lacks tensors the index assigns to it: [{string.Join(", ", missing)}].");
        if (extra.Count > 0)
            throw new InvalidDataException($"{indexPath}: shard '{shard}' holds tensors the index does not assign to it: [{string.Join(", ", extra)}].");
    }

    private static Dictionary<string, Tensor> ConvertAll(Dictionary<string, Tensor> tensors, ScalarType? dtype)
    {
        foreach (string name in tensors.Keys.ToList()) tensors[name] = ConvertFloating(tensors[name], dtype);
        return tensors;
    }

    /// <summary>Converts a floating tensor to <paramref name="dtype"/>, disposing the original; other tensors pass through.</summary>
    private static Tensor ConvertFloating(Tensor t, ScalarType? dtype)
    {
        if (dtype is not { } d || t.dtype == d || !t.is_floating_point()) return t;
        var converted = t.to_type(d);
        t.Dispose();
        return converted;
    }
}
