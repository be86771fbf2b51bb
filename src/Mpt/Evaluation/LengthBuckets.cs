namespace Mpt.Evaluation;

/// <summary>
/// Groups examples into batches of similar length so little compute is spent on padding (length bucketing). Batches
/// hold example indices; callers write results back by index, so the output order never depends on the batching.
/// </summary>
public static class LengthBuckets
{
    /// <summary>
    /// Batches of at most <paramref name="batchSize"/> indices into <paramref name="lengths"/>. Sorted: longest first
    /// (ties by index), so the largest batch runs first and an out-of-memory shows up immediately; otherwise the
    /// original order.
    /// </summary>
    public static IReadOnlyList<int[]> Plan(IReadOnlyList<int> lengths, int batchSize, bool sortByLength = true)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        IEnumerable<int> order = Enumerable.Range(0, lengths.Count);
        if (sortByLength) order = order.OrderByDescending(i => lengths[i]).ThenBy(i => i);
        return order.Chunk(batchSize).ToList();
    }
}
