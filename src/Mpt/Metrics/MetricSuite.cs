using Mpt.Data;
using Mpt.Tasks;

namespace Mpt.Metrics;

/// <summary>
/// Scores generated predictions for a task's formatted rows with every metric the task declares, merged into one
/// named dictionary (keys from <see cref="MetricNames"/>, percentages).
/// </summary>
public static class MetricSuite
{
    /// <summary>
    /// The scores of <paramref name="predictions"/> (one per row, decoded text) against <paramref name="rows"/>.
    /// SQuAD-style tasks score against the row target as the single gold answer (ATTEMPT); ReCoRD groups rows by
    /// their source text (all rows of a query share it) and reads <c>extra_fields.answers</c>; MultiRC groups by
    /// <c>extra_fields.group</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Score(TaskDefinition task, IReadOnlyList<TextToTextRow> rows,
        IReadOnlyList<string> predictions)
    {
        ArgumentNullException.ThrowIfNull(task);
        MetricInputs.CheckPaired(rows, predictions, task.Name);
        var targets = rows.Select(r => r.Target).ToList();
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (MetricKind kind in task.Metrics)
        {
            IReadOnlyDictionary<string, double> scores = kind switch
            {
                MetricKind.Accuracy => new AccuracyMetric(task.Labels).Compute(targets, predictions),
                MetricKind.F1Binary => new BinaryF1Metric().Compute(targets, predictions),
                MetricKind.F1Macro => new MacroF1Metric(task.Labels ?? throw NeedsLabels(task, kind)).Compute(targets, predictions),
                MetricKind.MatthewsCorrelation => new MatthewsCorrelationMetric(task.Labels).Compute(targets, predictions),
                MetricKind.Pearson => new PearsonMetric().Compute(targets, predictions),
                MetricKind.Spearman => new SpearmanMetric().Compute(targets, predictions),
                MetricKind.Squad => new SquadMetric().Compute(targets.Select(t => (IReadOnlyList<string>)[t]).ToList(), predictions),
                MetricKind.Record => new RecordMetric().Compute(rows.Select((r, i) =>
                    new RecordPrediction(r.Source, Answers(task, r), predictions[i])).ToList()),
                MetricKind.MultiRc => new MultiRcMetric().Compute(targets, predictions,
                    rows.Select(r => PythonText.Str(r.ExtraFields.TryGetValue("group", out object? g) ? g
                        : throw new ArgumentException($"{task.Name}: a row has no extra_fields.group."))).ToList()),
                _ => throw new ArgumentOutOfRangeException(nameof(task), $"Unknown metric kind {kind}."),
            };
            foreach (var kv in scores) result[kv.Key] = kv.Value;
        }
        return result;
    }

    private static IReadOnlyList<string> Answers(TaskDefinition task, TextToTextRow row) =>
        row.ExtraFields.TryGetValue("answers", out object? a) && a is IEnumerable<object?> list
            ? list.Select(PythonText.Str).ToList()
            : throw new ArgumentException($"{task.Name}: a row has no extra_fields.answers list.");

    private static ArgumentException NeedsLabels(TaskDefinition task, MetricKind kind) =>
        new($"{task.Name}: metric {kind} needs the task's label list.");
}
