using static TorchSharp.torch;

namespace Mpt.Checkpoints;

/// <summary>
/// Every difference between the tensors a model expects and the tensors a checkpoint holds, grouped the way PyTorch's
/// strict <c>load_state_dict</c> reports them (missing keys, unexpected keys, size mismatches) — but all at once, so
/// a user sees the whole problem in one message instead of fixing it one key at a time.
/// </summary>
/// <param name="Missing">Keys the model expects that the checkpoint lacks (sorted).</param>
/// <param name="Unexpected">Keys the checkpoint has that the model does not expect (sorted).</param>
/// <param name="MisShaped">Keys present in both with different shapes: name, checkpoint shape, model shape (sorted).</param>
public sealed record StateDictMismatch(
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<(string Name, long[] FileShape, long[] ModelShape)> MisShaped)
{
    /// <summary>True when the checkpoint matches the model exactly.</summary>
    public bool IsEmpty => Missing.Count == 0 && Unexpected.Count == 0 && MisShaped.Count == 0;

    /// <summary>Compares expected shapes with a state dict.</summary>
    public static StateDictMismatch Compare(IReadOnlyDictionary<string, long[]> expectedShapes, IReadOnlyDictionary<string, Tensor> stateDict) =>
        CompareShapes(expectedShapes, stateDict.ToDictionary(kv => kv.Key, kv => kv.Value.shape, StringComparer.Ordinal));

    /// <summary>Compares expected shapes with the shapes a checkpoint declares (e.g. read from safetensors headers only).</summary>
    public static StateDictMismatch CompareShapes(IReadOnlyDictionary<string, long[]> expectedShapes, IReadOnlyDictionary<string, long[]> fileShapes)
    {
        var missing = expectedShapes.Keys.Where(k => !fileShapes.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var unexpected = fileShapes.Keys.Where(k => !expectedShapes.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var misShaped = expectedShapes
            .Where(kv => fileShapes.TryGetValue(kv.Key, out var shape) && !shape.SequenceEqual(kv.Value))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (kv.Key, fileShapes[kv.Key], kv.Value))
            .ToList();
        return new StateDictMismatch(missing, unexpected, misShaped);
    }

    /// <summary>
    /// One line: <c>"{source} does not match the model: missing [a, b]; unexpected [c]; mis-shaped [d: file [3,4], model [4,3]]"</c>,
    /// listing only the non-empty groups.
    /// </summary>
    public string Describe(string source)
    {
        var parts = new List<string>();
        if (Missing.Count > 0) parts.Add($"missing [{string.Join(", ", Missing)}]");
        if (Unexpected.Count > 0) parts.Add($"unexpected [{string.Join(", ", Unexpected)}]");
        if (MisShaped.Count > 0)
            parts.Add($"mis-shaped [{string.Join(", ", MisShaped.Select(m => $"{m.Name}: file {Shape(m.FileShape)}, model {Shape(m.ModelShape)}"))}]");
        return parts.Count == 0 ? $"{source} matches the model." : $"{source} does not match the model: {string.Join("; ", parts)}";
    }

    private static string Shape(long[] shape) => $"[{string.Join(",", shape)}]";
}
