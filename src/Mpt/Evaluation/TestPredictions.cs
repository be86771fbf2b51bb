using Mpt.Data;
using Mpt.Metrics;
using Mpt.Tasks;

namespace Mpt.Evaluation;

/// <summary>
/// One task's test outcomes example by example, in test-set order: what was predicted, what it was scored against, and
/// what the task's metrics need besides (metric kinds, label list, the question a MultiRC answer or a ReCoRD row belongs
/// to). Enough to rescore any subset — or any resample — of the test set with the very metric code that scored the run
/// (<see cref="MetricSuite"/>), which is what the paired bootstrap over test examples does (<see cref="PairedBootstrap"/>).
/// </summary>
/// <param name="Task">Catalogue name of the task.</param>
/// <param name="Metrics">The task's metrics, in the task's order.</param>
/// <param name="Predictions">Post-processed predictions, one per test row.</param>
/// <param name="Targets">The targets they were scored against (decoded targets when the evaluation scores those).</param>
/// <param name="Labels">The task's label list (accuracy's invalid rate, macro F1 and Matthews read it); null for free text.</param>
/// <param name="Groups">Per row, the question it belongs to, for the grouped metrics (MultiRC: <c>extra_fields.group</c>;
/// ReCoRD: the query, i.e. the source text); null for other tasks.</param>
/// <param name="Answers">Per row, every gold answer of its query (ReCoRD's <c>extra_fields.answers</c>); null for other tasks.</param>
public sealed record TestPredictions(
    string Task,
    IReadOnlyList<MetricKind> Metrics,
    IReadOnlyList<string> Predictions,
    IReadOnlyList<string> Targets,
    IReadOnlyList<string>? Labels = null,
    IReadOnlyList<string>? Groups = null,
    IReadOnlyList<IReadOnlyList<string>>? Answers = null)
{
    /// <summary>The outcomes of <paramref name="result"/>, an evaluation of <paramref name="task"/> on <paramref name="rows"/>.</summary>
    /// <exception cref="ArgumentException">The result does not have one prediction per row.</exception>
    public static TestPredictions Of(TaskDefinition task, IReadOnlyList<TextToTextRow> rows, TaskEvaluationResult result)
    {
        if (result.Predictions.Count != rows.Count || result.Targets.Count != rows.Count)
            throw new ArgumentException($"task '{task.Name}': {result.Predictions.Count} predictions and {result.Targets.Count} targets for {rows.Count} rows.", nameof(result));
        IReadOnlyList<string>? groups = null;
        IReadOnlyList<IReadOnlyList<string>>? answers = null;
        if (task.Metrics.Contains(MetricKind.MultiRc))
            groups = rows.Select(r => PythonText.Str(r.ExtraFields.TryGetValue("group", out object? g) ? g
                : throw new ArgumentException($"{task.Name}: a row has no extra_fields.group."))).ToList();
        if (task.Metrics.Contains(MetricKind.Record))
        {
            groups = rows.Select(r => r.Source).ToList();
            answers = rows.Select(r => (IReadOnlyList<string>)(r.ExtraFields.TryGetValue("answers", out object? a) && a is IEnumerable<object?> list
                ? list.Select(PythonText.Str).ToList()
                : throw new ArgumentException($"{task.Name}: a row has no extra_fields.answers list."))).ToList();
        }
        return new TestPredictions(task.Name, task.Metrics, result.Predictions, result.Targets, task.Labels, groups, answers);
    }

    /// <summary>Number of test rows.</summary>
    public int Count => Predictions.Count;

    /// <summary>
    /// The units a bootstrap resamples, each a list of row indices: one row each, except for the grouped metrics, whose
    /// unit is a whole question (its rows in order; questions in order of first appearance) — a question's answers are
    /// scored together, so they are drawn together.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<int>> Units()
    {
        if (Groups is null) return Enumerable.Range(0, Count).Select(i => (IReadOnlyList<int>)[i]).ToList();
        var byGroup = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var order = new List<List<int>>();
        for (int i = 0; i < Count; i++)
        {
            if (!byGroup.TryGetValue(Groups[i], out var rows)) order.Add(byGroup[Groups[i]] = rows = []);
            rows.Add(i);
        }
        return order;
    }

    /// <summary>
    /// The task's score (ATTEMPT's <c>average_metrics</c>, <see cref="EvaluationReport.AverageOf"/>) on the rows of
    /// <paramref name="draw"/>, a list of indices into <paramref name="units"/> that may repeat: a unit drawn twice counts
    /// twice, and each drawn copy of a question is its own question (numbered by its position in the draw).
    /// </summary>
    public double Score(IReadOnlyList<IReadOnlyList<int>> units, IReadOnlyList<int> draw)
    {
        // Accuracy alone is the mean of per-row correctness: counted directly (the same sum AccuracyMetric takes), which
        // keeps a 10,000-fold resample of a classification task cheap.
        if (Groups is null && Metrics is [MetricKind.Accuracy])
        {
            int correct = 0, n = 0;
            foreach (int u in draw)
                foreach (int i in units[u])
                {
                    n++;
                    if (string.Equals(Targets[i], Predictions[i], StringComparison.Ordinal)) correct++;
                }
            return 100.0 * correct / n;
        }
        var rows = new List<TextToTextRow>();
        var predictions = new List<string>();
        for (int position = 0; position < draw.Count; position++)
            foreach (int i in units[draw[position]])
            {
                string group = Groups is null ? "" : position.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var extra = new Dictionary<string, object?>(StringComparer.Ordinal);
                if (Groups is not null) extra["group"] = group;
                if (Answers is not null) extra["answers"] = Answers[i].Cast<object?>().ToList();
                rows.Add(new TextToTextRow(group, Targets[i], Task, extra));
                predictions.Add(Predictions[i]);
            }
        return EvaluationReport.AverageOf(MetricSuite.Score(Task, Metrics, Labels, rows, predictions));
    }

    /// <summary>The task's score on the whole test set (every unit once): the run's recorded test score.</summary>
    public double Score()
    {
        var units = Units();
        return Score(units, Enumerable.Range(0, units.Count).ToList());
    }
}
