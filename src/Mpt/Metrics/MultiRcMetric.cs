namespace Mpt.Metrics;

/// <summary>
/// MultiRC scores over answer options grouped by question.
/// <list type="bullet">
/// <item><c>f1a</c>: 100 · binary F1 over all options (t5 <c>multirc_f1_over_all_answers</c>, invalid prediction =
/// wrong). ATTEMPT passes (predictions, targets) to a (targets, predictions) function that forwards them swapped
/// again, so the swaps cancel and its number equals this one.</item>
/// <item><c>exact_match</c>: 100 · mean over questions of "every option of the question correct" (string equality).</item>
/// <item><c>f1m_macro_per_question</c>: 100 · mean over questions of sklearn macro F1 of that question's options,
/// labels = those present in the question (SuperGLUE <c>f1_m</c>); only when every prediction is "0" or "1".</item>
/// </list>
/// Also reports <see cref="MetricNames.InvalidRate"/>.
/// </summary>
public sealed class MultiRcMetric : IGroupedPredictionMetric
{
    private static readonly string[] Labels = ["0", "1"];

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Compute(IReadOnlyList<string> targets, IReadOnlyList<string> predictions,
        IReadOnlyList<string> groups)
    {
        MetricInputs.CheckPaired(targets, predictions, "multirc");
        MetricInputs.CheckPaired(targets, groups, "multirc groups");
        var result = new Dictionary<string, double>
        {
            [MetricNames.MultiRcF1a] = new BinaryF1Metric().Compute(targets, predictions)[MetricNames.F1Binary],
        };
        // Groups in order of first appearance, as Python's defaultdict iterates them.
        var byGroup = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var order = new List<string>();
        for (int i = 0; i < groups.Count; i++)
        {
            if (!byGroup.TryGetValue(groups[i], out List<int>? members))
            {
                byGroup[groups[i]] = members = [];
                order.Add(groups[i]);
            }
            members.Add(i);
        }
        double allCorrect = order.Count(g => byGroup[g].All(i => targets[i] == predictions[i]));
        result[MetricNames.ExactMatch] = 100.0 * allCorrect / order.Count;

        if (predictions.All(p => p is "0" or "1"))
        {
            double sum = 0;
            foreach (string g in order)
            {
                List<int> m = byGroup[g];
                // sklearn average="macro" without labels= averages over the labels present in targets or predictions.
                var present = m.Select(i => targets[i]).Concat(m.Select(i => predictions[i])).Distinct().ToList();
                double f1 = 0;
                foreach (string label in present)
                {
                    long tp = 0, fp = 0, fn = 0;
                    foreach (int i in m)
                    {
                        bool t = targets[i] == label, p = predictions[i] == label;
                        if (t && p) tp++;
                        else if (p) fp++;
                        else if (t) fn++;
                    }
                    f1 += MetricInputs.F1(tp, fp, fn);
                }
                sum += f1 / present.Count;
            }
            result[MetricNames.MultiRcF1mMacroPerQuestion] = 100.0 * sum / order.Count;
        }
        result[MetricNames.InvalidRate] = MetricInputs.InvalidRate(predictions, Labels);
        return result;
    }
}
