namespace Mpt.Metrics;

/// <summary>
/// ATTEMPT <c>spearman_corrcoef</c>: targets and predictions read with <see cref="Correlation.StringToFloat"/>
/// (unparsable → -1.0), 100 · Spearman rho with average ranks for ties, and 0 where rho is undefined
/// (ATTEMPT maps NaN to 0).
/// </summary>
public sealed class SpearmanMetric : IPredictionMetric
{
    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Compute(IReadOnlyList<string> targets, IReadOnlyList<string> predictions)
    {
        MetricInputs.CheckPaired(targets, predictions, "spearman");
        double r = Correlation.Spearman(targets.Select(Correlation.StringToFloat).ToArray(),
            predictions.Select(Correlation.StringToFloat).ToArray());
        return new Dictionary<string, double> { [MetricNames.Spearman] = double.IsNaN(r) ? 0.0 : 100.0 * r };
    }
}
