namespace Mpt.Data;

/// <summary>
/// Few-shot subsets (MPT §4.2: k ∈ {4, 16, 32}, 10 draws per k with different seeds). Whether k counts per class or
/// in total is not specified by the paper, so it is an explicit choice. Examples are visited in the order of
/// randperm(n, seed) (the same generator as the splits), so a draw is reproducible from (k, mode, seed).
/// </summary>
public static class FewShotSampler
{
    /// <summary>
    /// Indices (in sampling order) of a k-shot subset of examples whose labels are <paramref name="labels"/>.
    /// Per class: the first k of each distinct label (fewer if a class has fewer); total: the first k overall.
    /// </summary>
    public static IReadOnlyList<int> Sample(IReadOnlyList<string> labels, int k, bool perClass, long seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        int[] order = TorchRandPerm.Permutation(labels.Count, seed);
        if (!perClass) return order[..Math.Min(k, order.Length)];
        var taken = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new List<int>();
        foreach (int i in order)
        {
            int have = taken.GetValueOrDefault(labels[i]);
            if (have >= k) continue;
            taken[labels[i]] = have + 1;
            result.Add(i);
        }
        return result;
    }
}
