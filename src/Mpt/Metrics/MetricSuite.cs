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
        return Score(task.Name, task.Metrics, task.Labels, rows, predictions);
    }

    /// <summary>
    /// The same scores from what they depend on: the task's name (for messages), its metric kinds and label list. A
    /// stored record of test predictions (<see cref="Evaluation.TestPredictions"/>) is rescored through this, so a
    /// resampled test set is scored by exactly the code that scored the run.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Score(string taskName, IReadOnlyList<MetricKind> metrics, IReadOnlyList<string>? labels,
        IReadOnlyList<TextToTextRow> rows, IReadOnlyList<string> predictions)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        MetricInputs.CheckPaired(rows, predictions, taskName);
        var targets = rows.Select(r => r.Target).ToList();
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (MetricKind kind in metrics)
        {
            IReadOnlyDictionary<string, double> scores = kind switch
            {
                MetricKind.Accuracy => new AccuracyMetric(labels).Compute(targets, predictions),
                MetricKind.F1Binary => new BinaryF1Metric().Compute(targets, predictions),
                MetricKind.F1Macro => new MacroF1Metric(labels ?? throw NeedsLabels(taskName, kind)).Compute(targets, predictions),
                MetricKind.MatthewsCorrelation => new MatthewsCorrelationMetric(labels).Compute(targets, predictions),
                MetricKind.Pearson => new PearsonMetric().Compute(targets, predictions),
                MetricKind.Spearman => new SpearmanMetric().Compute(targets, predictions),
                MetricKind.Squad => new SquadMetric().Compute(targets.Select(t => (IReadOnlyList<string>)[t]).ToList(), predictions),
                MetricKind.Record => new RecordMetric().Compute(rows.Select((r, i) =>
                    new RecordPrediction(r.Source, Answers(taskName, r), predictions[i])).ToList()),
                MetricKind.MultiRc => new MultiRcMetric().Compute(targets, predictions,
                    rows.Select(r => PythonText.Str(r.ExtraFields.TryGetValue("group", out object? g) ? g
                        : throw new ArgumentException($"{taskName}: a row has no extra_fields.group."))).ToList()),
                _ => throw new ArgumentOutOfRangeException(nameof(metrics), $"Unknown metric kind {kind}."),
            };
            foreach (var kv in scores) result[kv.Key] = kv.Value;
        }
        return result;
    }

    private static IReadOnlyList<string> Answers(string taskName, TextToTextRow row) =>
        row.ExtraFields.TryGetValue("answers", out object? a) && a is IEnumerable<object?> list
            ? list.Select(PythonText.Str).ToList()
            : throw new ArgumentException($"{taskName}: a row has no extra_fields.answers list.");

    private static ArgumentException NeedsLabels(string taskName, MetricKind kind) =>
        new($"{taskName}: metric {kind} needs the task's label list.");
}
