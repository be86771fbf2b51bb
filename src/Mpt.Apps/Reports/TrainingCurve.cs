namespace Mpt.Reports;

/// <summary>
/// One line of a training plot: a value per step for one stage/task/method, averaged over the seeds that logged that
/// step (seeds of one configuration share their step grid, so the mean is the usual "mean curve over seeds").
/// </summary>
/// <param name="Key">Stage, task and method.</param>
/// <param name="Steps">Steps, increasing.</param>
/// <param name="Values">Mean value at each step.</param>
/// <param name="SeedCount">Number of distinct seeds that contributed.</param>
public sealed record TrainingCurve(CurveKey Key, double[] Steps, double[] Values, int SeedCount)
{
    /// <summary>
    /// The curves of <paramref name="records"/> for the value <paramref name="select"/> picks (records where it is null
    /// are skipped), in stage order, then task and method order of first appearance.
    /// </summary>
    public static List<TrainingCurve> From(IEnumerable<StepMetrics> records, Func<StepMetrics, double?> select)
    {
        var curves = new List<TrainingCurve>();
        foreach (var group in records.Where(r => select(r) is not null).GroupBy(r => r.Curve))
        {
            var bySteps = group.GroupBy(r => r.Step).OrderBy(g => g.Key).ToList();
            curves.Add(new TrainingCurve(group.Key,
                bySteps.Select(g => (double)g.Key).ToArray(),
                bySteps.Select(g => g.Average(r => select(r)!.Value)).ToArray(),
                group.Select(r => r.Seed).Distinct().Count()));
        }
        var stageOrder = StageNames.Order(curves.Select(c => c.Key.Stage));
        return curves.OrderBy(c => stageOrder.IndexOf(c.Key.Stage)).ToList(); // OrderBy is stable: first appearance kept within a stage
    }

    /// <summary>
    /// The curve smoothed by a trailing moving average over <paramref name="window"/> logged points (window 1 = as is):
    /// raw per-step losses are noisy enough to hide the trend.
    /// </summary>
    public TrainingCurve Smoothed(int window)
    {
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), $"smoothing window must be ≥ 1, got {window}.");
        if (window == 1) return this;
        var smoothed = new double[Values.Length];
        double sum = 0;
        for (int i = 0; i < Values.Length; i++)
        {
            sum += Values[i];
            if (i >= window) sum -= Values[i - window];
            smoothed[i] = sum / Math.Min(i + 1, window);
        }
        return this with { Values = smoothed };
    }
}
