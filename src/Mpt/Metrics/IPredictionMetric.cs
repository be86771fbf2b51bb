namespace Mpt.Metrics;

/// <summary>
/// A metric over decoded strings, one target and one prediction per example (classification, regression read from
/// text). Arguments are (targets, predictions) in that order, as in t5 / seqio.
/// </summary>
public interface IPredictionMetric
{
    /// <summary>Scores the predictions; keys are <see cref="MetricNames"/> constants, values are percentages.</summary>
    /// <exception cref="ArgumentException">The lists differ in length or are empty.</exception>
    IReadOnlyDictionary<string, double> Compute(IReadOnlyList<string> targets, IReadOnlyList<string> predictions);
}
