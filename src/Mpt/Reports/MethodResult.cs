using Mpt.Training;

namespace Mpt.Reports;

/// <summary>
/// The test result of one method on one target task over seeds (an entry of <c>results.json</c>'s <c>targets</c>):
/// <code>{"metric": "accuracy", "mean": 79.4, "std": 0.8, "seeds": [{"seed": 1, "score": 78.9}, …], "n_seeds": 3, "trainable_params": 77568}</code>
/// Scores are on the ×100 scale of <see cref="Metrics.MetricNames"/>; higher is better for every metric the project
/// reports (accuracy, F1, Matthews correlation, Pearson/Spearman, EM), which is how the report picks the best method.
/// The pipeline also records the optional fields (each metric, few-shot k, training examples, the prompt's parameter
/// accounting and the wall clock); a reader must not rely on them.
/// </summary>
/// <param name="Metric">Name of the metric, e.g. <c>accuracy</c>, <c>f1</c>, <c>matthews_corrcoef</c>; for a task with
/// several metrics, the score is their mean (ATTEMPT's <c>average_metrics</c>) and the name lists them
/// (<see cref="AverageOf"/>).</param>
/// <param name="Mean">Mean score over the seeds.</param>
/// <param name="Std">Sample standard deviation over the seeds (n − 1 in the denominator; 0 for one seed).</param>
/// <param name="Seeds">The score of every seed.</param>
/// <param name="TrainableParams">Parameters the method trains for this task (prompt only; the backbone is frozen).</param>
/// <param name="Metrics">Each metric of the task over the same seeds, by metric name.</param>
/// <param name="FewShot">k when the targets were trained few-shot, else null.</param>
/// <param name="TrainExamples">Training examples per seed.</param>
/// <param name="Parameters">Parameter accounting of the trained prompt (of the first seed).</param>
/// <param name="WallClockS">Training and evaluation seconds summed over the seeds.</param>
public sealed record MethodResult(
    string Metric,
    double Mean,
    double Std,
    IReadOnlyList<SeedScore> Seeds,
    long TrainableParams,
    IReadOnlyDictionary<string, MetricSummary>? Metrics = null,
    int? FewShot = null,
    int? TrainExamples = null,
    ParameterReport? Parameters = null,
    double? WallClockS = null)
{
    /// <summary>Number of seeds (written as <c>n_seeds</c> for readers that do not count the list).</summary>
    public int NSeeds => Seeds.Count;

    /// <summary>The <see cref="Metric"/> name of a score that averages several metrics, e.g. <c>mean(f1, accuracy)</c>;
    /// a single metric keeps its own name.</summary>
    public static string AverageOf(IReadOnlyCollection<string> metrics) =>
        metrics.Count == 1 ? metrics.First() : $"mean({string.Join(", ", metrics)})";

    /// <summary>A result whose mean and sample standard deviation are computed from <paramref name="seeds"/>.</summary>
    /// <exception cref="ArgumentException">No seeds, or a non-finite score.</exception>
    public static MethodResult FromSeeds(string metric, IReadOnlyList<SeedScore> seeds, long trainableParams)
    {
        var (mean, std) = SeedStatistics.MeanStd(seeds);
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
        if (TrainExamples < 0) throw new ArgumentException($"'train_examples' must be ≥ 0, got {TrainExamples}.");
        if (WallClockS is { } s && (!double.IsFinite(s) || s < 0)) throw new ArgumentException($"'wall_clock_s' must be finite and ≥ 0, got {s}.");
    }
}

/// <summary>The test score of one seed.</summary>
/// <param name="Seed">Random seed of the run.</param>
/// <param name="Score">Test score (×100 scale).</param>
public sealed record SeedScore(long Seed, double Score);

/// <summary>One metric of a task over seeds (an entry of <see cref="MethodResult.Metrics"/>).</summary>
/// <param name="Mean">Mean over the seeds.</param>
/// <param name="Std">Sample standard deviation over the seeds (0 for one seed).</param>
/// <param name="Seeds">The value of every seed. A metric undefined on a seed's predictions (e.g. a correlation of constant
/// predictions) is NaN, and so are then its mean and std.</param>
public sealed record MetricSummary(double Mean, double Std, IReadOnlyList<SeedScore> Seeds)
{
    /// <summary>The summary of <paramref name="seeds"/>; NaN values propagate (an undefined metric stays visible).</summary>
    /// <exception cref="ArgumentException">No seeds.</exception>
    public static MetricSummary FromSeeds(IReadOnlyList<SeedScore> seeds)
    {
        var (mean, std) = SeedStatistics.MeanStd(seeds, allowNaN: true);
        return new MetricSummary(mean, std, seeds);
    }
}

/// <summary>Mean and sample standard deviation of seed scores, shared by <see cref="MethodResult"/> and <see cref="MetricSummary"/>.</summary>
internal static class SeedStatistics
{
    /// <summary>Mean and sample std (n − 1; 0 for one seed).</summary>
    /// <exception cref="ArgumentException">No seeds, or a non-finite score when <paramref name="allowNaN"/> is false.</exception>
    public static (double Mean, double Std) MeanStd(IReadOnlyList<SeedScore> seeds, bool allowNaN = false)
    {
        if (seeds.Count == 0) throw new ArgumentException("need at least one seed score.", nameof(seeds));
        if (!allowNaN && seeds.FirstOrDefault(s => !double.IsFinite(s.Score)) is { } bad)
            throw new ArgumentException($"seed {bad.Seed}: score {bad.Score} is not finite.", nameof(seeds));
        double mean = seeds.Average(s => s.Score);
        double std = seeds.Count == 1 ? 0 : Math.Sqrt(seeds.Sum(s => (s.Score - mean) * (s.Score - mean)) / (seeds.Count - 1));
        return (mean, std);
    }
}
