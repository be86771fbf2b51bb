using Mpt.Checkpoints;
using Mpt.Model;
using Mpt.Tokenization;
using static TorchSharp.torch;

namespace Mpt.Inspection;

/// <summary>
/// What <c>mpt info</c> reports about a Hugging Face T5 folder: architecture, parameter counts per part, stored dtypes,
/// and the tokenizer. Built from config.json and the checkpoint headers only (no weights are materialised for
/// safetensors files), and checked against the shapes the config implies, so a folder whose weights do not fit its
/// config is reported as an error rather than summarised.
/// </summary>
public sealed record ModelFolderSummary
{
    /// <summary>The folder that was inspected.</summary>
    public required string Folder { get; init; }

    /// <summary>The parsed config.json.</summary>
    public required T5Config Config { get; init; }

    /// <summary>The weights file(s) found, relative to the folder.</summary>
    public required IReadOnlyList<string> WeightFiles { get; init; }

    /// <summary>Number of stored values per dtype name (e.g. "F32" → 60506624).</summary>
    public required IReadOnlyDictionary<string, long> ValuesPerStoredDType { get; init; }

    /// <summary>Parameter counts per part: shared embedding, encoder, decoder, lm_head (untied only), total.</summary>
    public required IReadOnlyDictionary<string, long> ParameterCounts { get; init; }

    /// <summary>The tokenizer, when the folder holds spiece.model; otherwise null.</summary>
    public TokenizerSummary? Tokenizer { get; init; }

    /// <summary>Tokenizer facts shown by <c>mpt info</c>.</summary>
    public sealed record TokenizerSummary(int VocabSize, int SentencePieceSize, int ExtraIds, int PadId, int EosId, int UnkId);

    /// <summary>Inspects a model folder.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">config.json or the weights are missing.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt or does not match the config, or the folder's tokenizer
    /// does not belong to the model (<see cref="TokenizerModelPairing"/>).</exception>
    public static ModelFolderSummary Inspect(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{folder}: model folder not found.");
        string configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"{configPath}: config.json not found (a Hugging Face T5 folder needs config.json and model.safetensors).", configPath);
        var config = T5Config.FromJsonFile(configPath);

        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var perDType = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var files = new List<string>();
        foreach (var (file, entries) in CheckpointHeaders(folder))
        {
            files.Add(file);
            foreach (var e in entries)
            {
                shapes[e.Name] = e.Shape;
                long n = e.Shape.Aggregate(1L, (a, b) => a * b);
                string dtypeName = SafetensorsFile.DTypeName(e.DType);
                perDType[dtypeName] = perDType.GetValueOrDefault(dtypeName) + n;
            }
        }
        ClaimedModelSize.Check(config.ParameterCount(), shapes.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)), configPath,
            Path.Combine(folder, string.Join(", ", files)));
        var mismatch = StateDictMismatch.CompareShapes(config.ExpectedStateDictShapes(), shapes);
        if (!mismatch.IsEmpty) throw new InvalidDataException(mismatch.Describe(Path.Combine(folder, string.Join(", ", files))));

        long Count(Func<string, bool> pick) => shapes.Where(kv => pick(kv.Key)).Sum(kv => kv.Value.Aggregate(1L, (a, b) => a * b));
        var counts = new Dictionary<string, long>
        {
            ["shared_embedding"] = Count(k => k == "shared.weight"),
            ["encoder"] = Count(k => k.StartsWith("encoder.", StringComparison.Ordinal)),
            ["decoder"] = Count(k => k.StartsWith("decoder.", StringComparison.Ordinal)),
            ["lm_head"] = Count(k => k == "lm_head.weight"),
            ["total"] = Count(_ => true),
        };

        TokenizerSummary? tokenizer = null;
        if (File.Exists(Path.Combine(folder, "spiece.model")))
        {
            var tok = T5Tokenizer.FromFolder(folder);
            TokenizerModelPairing.Check(tok, config, configPath);
            tokenizer = new TokenizerSummary(tok.VocabSize, tok.SentencePieceSize, tok.ExtraIds, tok.PadId, tok.EosId, tok.UnkId);
        }
        return new ModelFolderSummary
        {
            Folder = Path.GetFullPath(folder),
            Config = config,
            WeightFiles = files,
            ValuesPerStoredDType = perDType,
            ParameterCounts = counts,
            Tokenizer = tokenizer,
        };
    }

    /// <summary>Tensor entries per weights file: headers only for safetensors, a full read for pytorch_model.bin.</summary>
    private static IEnumerable<(string File, IReadOnlyList<SafetensorsFile.Entry> Entries)> CheckpointHeaders(string folder)
    {
        string single = Path.Combine(folder, "model.safetensors");
        string index = Path.Combine(folder, "model.safetensors.index.json");
        if (File.Exists(single))
        {
            yield return ("model.safetensors", ReadHeader(single));
            yield break;
        }
        if (File.Exists(index))
        {
            foreach (string shard in ShardIndex.Read(index).ShardFiles)
                yield return (shard, ReadHeader(Path.Combine(folder, shard)));
            yield break;
        }
        // pytorch_model.bin (single or sharded) has no cheap header: read it once and describe the tensors.
        var stateDict = HfCheckpoint.ReadStateDict(folder);
        try
        {
            var entries = stateDict.Select(kv => new SafetensorsFile.Entry(kv.Key, kv.Value.dtype, kv.Value.shape, 0, 0)).ToList();
            yield return (File.Exists(Path.Combine(folder, "pytorch_model.bin")) ? "pytorch_model.bin" : "pytorch_model-*.bin", entries);
        }
        finally
        {
            foreach (var t in stateDict.Values) t.Dispose();
        }
    }

    private static IReadOnlyList<SafetensorsFile.Entry> ReadHeader(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: weights file not found.", path);
        using var stream = File.OpenRead(path);
        return SafetensorsFile.ReadHeader(stream, path).Entries;
    }
}
