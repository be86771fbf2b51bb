namespace Mpt.Metrics;

/// <summary>
/// ATTEMPT <c>pearson_corrcoef</c>: targets and predictions read with <see cref="Correlation.StringToFloat"/>
/// (unparsable → -1.0), 100 · Pearson r, and 0 where r is undefined (ATTEMPT maps NaN to 0; t5 would keep NaN).
/// </summary>
public sealed class PearsonMetric : IPredictionMetric
{
    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Compute(IReadOnlyList<string> targets, IReadOnlyList<string> predictions)
    {
        MetricInputs.CheckPaired(targets, predictions, "pearson");
        double r = Correlation.Pearson(targets.Select(Correlation.StringToFloat).ToArray(),
            predictions.Select(Correlation.StringToFloat).ToArray());
        return new Dictionary<string, double> { [MetricNames.Pearson] = double.IsNaN(r) ? 0.0 : 100.0 * r };
    }
}
