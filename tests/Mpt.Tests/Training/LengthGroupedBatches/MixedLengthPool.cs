using Mpt.Training;

namespace Mpt.Tests.Training.LengthGroupedBatches;

/// <summary>
/// Synthetic pools of examples whose input lengths vary (seeded), for the length-grouping tests, and the padding a
/// sequence of batches costs under dynamic padding (each batch padded to its longest row, capped at max source length).
/// </summary>
internal static class MixedLengthPool
{
    /// <summary>
    /// <paramref name="count"/> examples of task <paramref name="taskId"/> with input lengths drawn uniformly from
    /// [<paramref name="minLength"/>, <paramref name="maxLength"/>] (last id eos = 1); example i's first id is i + 2, so
    /// examples are told apart by reference and by content.
    /// </summary>
    public static List<TrainingExample> Create(int count, int minLength, int maxLength, ulong seed, int taskId = 0)
    {
        var rng = new Pcg32(seed, 77);
        return Enumerable.Range(0, count).Select(i =>
        {
            int length = minLength + rng.NextInt(maxLength - minLength + 1);
            var ids = Enumerable.Range(0, length).Select(j => j == 0 ? (long)i + 2 : j == length - 1 ? 1L : 5L).ToList();
            return new TrainingExample(ids, [3, 1], taskId);
        }).ToList();
    }

    /// <summary>Padded token slots of the batches: Σ over batches of (longest row × rows), after truncation.</summary>
    public static long PaddedSlots(IEnumerable<IReadOnlyList<TrainingExample>> batches, int maxSourceLength = int.MaxValue) =>
        batches.Sum(b => (long)b.Max(e => LengthGrouping.EncoderLength(e, maxSourceLength)) * b.Count);

    /// <summary>Real (non-pad) tokens of the batches.</summary>
    public static long RealTokens(IEnumerable<IReadOnlyList<TrainingExample>> batches, int maxSourceLength = int.MaxValue) =>
        batches.Sum(b => b.Sum(e => (long)LengthGrouping.EncoderLength(e, maxSourceLength)));
}
