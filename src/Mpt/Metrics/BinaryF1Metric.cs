namespace Mpt.Metrics;

/// <summary>
/// Binary F1 of the positive class "1" with t5's <c>f1_score_with_invalid</c> semantics (ATTEMPT uses the same): a
/// prediction that is neither "0" nor "1" is replaced by the opposite of its target, so it is always wrong (a false
/// negative when the target is "1", a false positive when it is "0"). F1 is 0 when there are no positives at all
/// (sklearn's zero_division default). Also reports <see cref="MetricNames.InvalidRate"/>.
/// </summary>
public sealed class BinaryF1Metric : IPredictionMetric
{
    private static readonly string[] Labels = ["0", "1"];

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A target is not "0" or "1".</exception>
    public IReadOnlyDictionary<string, double> Compute(IReadOnlyList<string> targets, IReadOnlyList<string> predictions)
    {
        MetricInputs.CheckPaired(targets, predictions, "f1_binary");
        long tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < targets.Count; i++)
        {
            bool target = targets[i] switch
            {
                "1" => true,
                "0" => false,
                _ => throw new ArgumentException($"f1_binary: target {i} is '{targets[i]}', expected \"0\" or \"1\"."),
            };
            bool predicted = predictions[i] switch { "1" => true, "0" => false, _ => !target };
            if (predicted && target) tp++;
            else if (predicted) fp++;
            else if (target) fn++;
        }
        return new Dictionary<string, double>
        {
            [MetricNames.F1Binary] = 100.0 * MetricInputs.F1(tp, fp, fn),
            [MetricNames.InvalidRate] = MetricInputs.InvalidRate(predictions, Labels),
        };
    }
}
