namespace Mpt.Reports;

/// <summary>
/// The test result of one method on one target task over seeds (an entry of <c>results.json</c>'s <c>targets</c>):
/// <code>{"metric": "accuracy", "mean": 79.4, "std": 0.8, "seeds": [{"seed": 1, "score": 78.9}, …], "n_seeds": 3, "trainable_params": 77568}</code>
/// Scores are on the ×100 scale of <see cref="Metrics.MetricNames"/>; higher is better for every metric the project
/// reports (accuracy, F1, Matthews correlation, Pearson/Spearman, EM), which is how the report picks the best method.
/// </summary>
/// <param name="Metric">Name of the metric, e.g. <c>accuracy</c>, <c>f1</c>, <c>matthews_corrcoef</c>.</param>
/// <param name="Mean">Mean score over the seeds.</param>
/// <param name="Std">Sample standard deviation over the seeds (n − 1 in the denominator; 0 for one seed).</param>
/// <param name="Seeds">The score of every seed.</param>
/// <param name="TrainableParams">Parameters the method trains for this task (prompt only; the backbone is frozen).</param>
public sealed record MethodResult(string Metric, double Mean, double Std, IReadOnlyList<SeedScore> Seeds, long TrainableParams)
{
    /// <summary>Number of seeds (written as <c>n_seeds</c> for readers that do not count the list).</summary>
    public int NSeeds => Seeds.Count;

    /// <summary>A result whose mean and sample standard deviation are computed from <paramref name="seeds"/>.</summary>
    /// <exception cref="ArgumentException">No seeds, or a non-finite score.</exception>
    public static MethodResult FromSeeds(string metric, IReadOnlyList<SeedScore> seeds, long trainableParams)
    {
        if (seeds.Count == 0) throw new ArgumentException("need at least one seed score.", nameof(seeds));
        if (seeds.FirstOrDefault(s => !double.IsFinite(s.Score)) is { } bad)
            throw new ArgumentException($"seed {bad.Seed}: score {bad.Score} is not finite.", nameof(seeds));
        double mean = seeds.Average(s => s.Score);
        double std = seeds.Count == 1 ? 0 : Math.Sqrt(seeds.Sum(s => (s.Score - mean) * (s.Score - mean)) / (seeds.Count - 1));
        return new MethodResult(metric, mean, std, seeds, trainableParams);
    }

    /// <summary>Checks the fields the report relies on; the message names the bad field.</summary>
    /// <exception cref="ArgumentException">A bad field.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Metric)) throw new ArgumentException("'metric' must be a non-empty string.");
        if (!double.IsFinite(Mean)) throw new ArgumentException($"'mean' must be finite, got {Mean}.");
        if (!double.IsFinite(Std) || Std < 0) throw new ArgumentException($"'std' must be finite and ≥ 0, got {Std}.");
        if (TrainableParams < 0) throw new ArgumentException($"'trainable_params' must be ≥ 0, got {TrainableParams}.");
    }
}

/// <summary>The test score of one seed.</summary>
/// <param name="Seed">Random seed of the run.</param>
/// <param name="Score">Test score (×100 scale).</param>
public sealed record SeedScore(int Seed, double Score);
