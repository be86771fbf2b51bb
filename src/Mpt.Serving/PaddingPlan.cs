namespace Mpt.Serving;

/// <summary>
/// Splits the rows of one batch (one prompt length) into forwards by input length when that cuts padding: every row of
/// a forward is padded to the forward's longest input, so one long input makes every short row pay for its length.
/// </summary>
/// <remarks>
/// The rows are sorted by length and cut into contiguous runs minimising Σ_runs (overhead + n_run × (l + S_run)), the
/// tokens a forward computes (its n_run rows of prompt length l plus the run's longest input S_run) plus a fixed cost per
/// forward expressed in tokens, by dynamic programming over the cut points (O(n²) for n ≤ max-batch rows). Splitting
/// never changes a row's scores: padded positions are masked out of attention and pooling.
/// </remarks>
internal static class PaddingPlan
{
    /// <summary>
    /// The default of <see cref="BatchingOptions.ForwardOverheadTokens"/>: what one more forward costs beyond its tokens,
    /// in tokens (kernel launches, the verbaliser, tensor set-up). A choice, not a measurement: a split must save more
    /// than this many padded token positions to be worth a forward.
    /// </summary>
    public const int DefaultForwardOverheadTokens = 128;

    /// <summary>The forwards to run: each a list of row indices into <paramref name="lengths"/>; a single forward keeps the rows' order.</summary>
    /// <param name="lengths">Each row's input length in tokens.</param>
    /// <param name="promptLength">The prompt length l every row carries.</param>
    /// <param name="overheadTokens">The cost of a forward beyond its tokens.</param>
    public static IReadOnlyList<int[]> Split(IReadOnlyList<int> lengths, int promptLength, int overheadTokens = DefaultForwardOverheadTokens)
    {
        int n = lengths.Count;
        int[] order = Enumerable.Range(0, n).OrderBy(i => lengths[i]).ThenBy(i => i).ToArray();
        // best[j] = the least cost of the first j sorted rows; cut[j] = where the last run of that plan starts.
        var best = new long[n + 1];
        var cut = new int[n + 1];
        for (int j = 1; j <= n; j++)
        {
            best[j] = long.MaxValue;
            long longest = promptLength + lengths[order[j - 1]];
            for (int i = 0; i < j; i++)
            {
                long cost = best[i] + overheadTokens + (j - i) * longest;
                if (cost < best[j]) { best[j] = cost; cut[j] = i; }
            }
        }
        if (cut[n] == 0) return n == 0 ? [] : [Enumerable.Range(0, n).ToArray()];
        var runs = new List<int[]>();
        for (int j = n; j > 0; j = cut[j]) runs.Add(order[cut[j]..j]);
        runs.Reverse();
        return runs;
    }
}
