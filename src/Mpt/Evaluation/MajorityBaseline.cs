using Mpt.Metrics;
using Mpt.Tasks;

namespace Mpt.Evaluation;

/// <summary>
/// The untrained "majority" baseline: every test row is answered with the most frequent target of the train rows
/// (ties go to the label listed first, or the ordinally smaller target of a free-text task), scored with the task's
/// metrics. It needs no model, so it is the floor every trained method must clear.
/// </summary>
public static class MajorityBaseline
{
    /// <summary>Scores the majority answer of <paramref name="train"/> on <paramref name="test"/>.</summary>
    /// <exception cref="ArgumentException">No train or no test rows.</exception>
    public static TaskEvaluationResult Evaluate(TaskDefinition task, IReadOnlyList<TextToTextRow> train, IReadOnlyList<TextToTextRow> test)
    {
        if (train.Count == 0) throw new ArgumentException($"task '{task.Name}': no training rows to find the majority label in.", nameof(train));
        if (test.Count == 0) throw new ArgumentException($"task '{task.Name}': no test rows to score.", nameof(test));
        var labels = task.Labels ?? [];
        string majority = train.GroupBy(r => r.Target, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => labels.Contains(g.Key) ? labels.ToList().IndexOf(g.Key) : labels.Count)
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .First().Key;
        var predictions = test.Select(_ => majority).ToList();
        var metrics = new Dictionary<string, double>(MetricSuite.Score(task, test, predictions), StringComparer.Ordinal);
        double? invalid = null;
        if (labels.Count > 0) metrics[MetricNames.InvalidRate] = (invalid = labels.Contains(majority) ? 0 : 100).Value;
        return new TaskEvaluationResult(task.Name, test.Count, metrics, invalid, EvaluationReport.AverageOf(metrics), "majority",
            predictions, test.Select(r => r.Target).ToList());
    }
}
