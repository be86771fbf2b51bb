namespace Mpt.Training;

/// <summary>
/// Few-shot target runs (paper §4.1-4.2, Tables 3-4): k ∈ {4, 16, 32} training examples, drawn again for each of several
/// seeds (the paper: 10 samples per k), results reported as mean ± std. Whether k counts per class or in total is
/// unspecified (docs/method.md §2.8): both are offered; the default is k in total.
/// </summary>
public static class FewShot
{
    /// <summary>
    /// k examples drawn without replacement by a seeded shuffle. With <paramref name="perClass"/>, k per distinct label
    /// sequence (classes with fewer examples give all they have), in the order of the shuffle.
    /// </summary>
    public static IReadOnlyList<TrainingExample> Sample(IReadOnlyList<TrainingExample> examples, int k, ulong seed, bool perClass = false)
    {
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), $"k must be positive, got {k}.");
        if (examples.Count == 0) throw new ArgumentException("no examples to sample from.", nameof(examples));
        var stream = new ShuffledExampleStream(examples.Count, seed);
        var order = Enumerable.Range(0, examples.Count).Select(_ => examples[stream.Next()]).ToList();
        if (!perClass)
        {
            if (k > examples.Count) throw new ArgumentOutOfRangeException(nameof(k), $"k = {k} exceeds the {examples.Count} available examples.");
            return order.Take(k).ToList();
        }
        var taken = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new List<TrainingExample>();
        foreach (var e in order)
        {
            string label = string.Join(",", e.LabelIds);
            int n = taken.GetValueOrDefault(label);
            if (n >= k) continue;
            taken[label] = n + 1;
            result.Add(e);
        }
        return result;
    }

    /// <summary>Runs <paramref name="runOne"/> for every seed (it samples, trains and returns the score) and summarises.</summary>
    public static ScoreSummary Repeat(IEnumerable<ulong> seeds, Func<ulong, double> runOne) =>
        ScoreSummary.Of(seeds.Select(runOne).ToList());
}

/// <summary>Mean ± sample standard deviation (n − 1, as numpy's std(ddof=1); 0 for one score) of repeated runs.</summary>
/// <param name="Mean">Mean score.</param>
/// <param name="Std">Sample standard deviation.</param>
/// <param name="Scores">The individual scores.</param>
public sealed record ScoreSummary(double Mean, double Std, IReadOnlyList<double> Scores)
{
    /// <summary>Summarises a non-empty list of scores.</summary>
    public static ScoreSummary Of(IReadOnlyList<double> scores)
    {
        if (scores.Count == 0) throw new ArgumentException("no scores to summarise.", nameof(scores));
        double mean = scores.Average();
        double std = scores.Count < 2 ? 0 : Math.Sqrt(scores.Sum(s => (s - mean) * (s - mean)) / (scores.Count - 1));
        return new ScoreSummary(mean, std, scores);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Mean:F4} ± {Std:F4} (n = {Scores.Count})";
}
