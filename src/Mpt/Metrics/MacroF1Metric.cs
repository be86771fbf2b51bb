namespace Mpt.Metrics;

/// <summary>
/// Macro F1 over a fixed label list (ATTEMPT <c>mean_multiclass_f1(num_classes)</c> = sklearn
/// <c>fbeta_score(beta=1, labels=range(C), average="macro")</c>): the unweighted mean over every label of that
/// label's F1, where a label absent from both lists scores 0 and still counts, and an invalid prediction never
/// matches (a false negative of its target's class). Also reports <see cref="MetricNames.InvalidRate"/>.
/// </summary>
public sealed class MacroF1Metric : IPredictionMetric
{
    private readonly IReadOnlyList<string> _labels;

    /// <param name="labels">The class label strings, e.g. "0", "1", "2" for a 3-class task.</param>
    public MacroF1Metric(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0) throw new ArgumentException("MacroF1Metric needs at least one label.", nameof(labels));
        _labels = labels.ToArray();
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Compute(IReadOnlyList<string> targets, IReadOnlyList<string> predictions)
    {
        MetricInputs.CheckPaired(targets, predictions, "f1_macro");
        double sum = 0;
        foreach (string label in _labels)
        {
            long tp = 0, fp = 0, fn = 0;
            for (int i = 0; i < targets.Count; i++)
            {
                bool t = targets[i] == label, p = predictions[i] == label;
                if (t && p) tp++;
                else if (p) fp++;
                else if (t) fn++;
            }
            sum += MetricInputs.F1(tp, fp, fn);
        }
        return new Dictionary<string, double>
        {
            [MetricNames.F1Macro] = 100.0 * sum / _labels.Count,
            [MetricNames.InvalidRate] = MetricInputs.InvalidRate(predictions, _labels),
        };
    }
}
