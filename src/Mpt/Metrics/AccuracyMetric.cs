namespace Mpt.Metrics;

/// <summary>
/// Accuracy = 100 · mean(prediction == target) on the decoded strings (ATTEMPT <c>metrics.accuracy</c>), so any
/// prediction that is not exactly the target string is wrong. With a label list it also reports
/// <see cref="MetricNames.InvalidRate"/>.
/// </summary>
public sealed class AccuracyMetric(IReadOnlyList<string>? labels = null) : IPredictionMetric
{
    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Compute(IReadOnlyList<string> targets, IReadOnlyList<string> predictions)
    {
        MetricInputs.CheckPaired(targets, predictions, "accuracy");
        int correct = 0;
        for (int i = 0; i < targets.Count; i++)
            if (string.Equals(targets[i], predictions[i], StringComparison.Ordinal)) correct++;
        var result = new Dictionary<string, double> { [MetricNames.Accuracy] = 100.0 * correct / targets.Count };
        if (labels is not null) result[MetricNames.InvalidRate] = MetricInputs.InvalidRate(predictions, labels);
        return result;
    }
}
