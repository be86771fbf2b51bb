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
/// <param name="task">Catalogue name of the task.</param>
/// <param name="metrics">The task's metrics, in the task's order.</param>
/// <param name="predictions">Post-processed predictions, one per test row.</param>
/// <param name="targets">The targets they were scored against (decoded targets when the evaluation scores those).</param>
/// <param name="labels">The task's label list (accuracy's invalid rate, macro F1 and Matthews read it); null for free text.</param>
/// <param name="groups">Per row, the question it belongs to, for the grouped metrics (MultiRC: <c>extra_fields.group</c>;
/// ReCoRD: the query, i.e. the source text); null for other tasks.</param>
/// <param name="answers">Per row, every gold answer of its query (ReCoRD's <c>extra_fields.answers</c>); null for other tasks.</param>
public sealed class TestPredictions(
    string task,
    IReadOnlyList<MetricKind> metrics,
    IReadOnlyList<string> predictions,
    IReadOnlyList<string> targets,
    IReadOnlyList<string>? labels = null,
    IReadOnlyList<string>? groups = null,
    IReadOnlyList<IReadOnlyList<string>>? answers = null)
{
    /// <summary>Catalogue name of the task.</summary>
    public string Task { get; } = task;

    /// <summary>The task's metrics.</summary>
    public IReadOnlyList<MetricKind> Metrics { get; } = metrics;

    /// <summary>Predictions, one per test row.</summary>
    public IReadOnlyList<string> Predictions { get; } = predictions;

    /// <summary>Targets, one per test row.</summary>
    public IReadOnlyList<string> Targets { get; } = targets;

    /// <summary>The task's label list, or null.</summary>
    public IReadOnlyList<string>? Labels { get; } = labels;

    /// <summary>The question of every row (MultiRC, ReCoRD), or null.</summary>
    public IReadOnlyList<string>? Groups { get; } = groups;

    /// <summary>The gold answers of every row's query (ReCoRD), or null.</summary>
    public IReadOnlyList<IReadOnlyList<string>>? Answers { get; } = answers;

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

    private IReadOnlyList<int[]>? _units;
    private bool[]? _correct;

    /// <summary>
    /// Number of units a bootstrap resamples: rows, except for the grouped metrics, whose unit is a whole question (its
    /// rows in order; questions in order of first appearance) — a question's answers are scored together, so they are
    /// drawn together.
    /// </summary>
    public int UnitCount => Units.Count;

    /// <summary>The rows of every unit (see <see cref="UnitCount"/>).</summary>
    public IReadOnlyList<int[]> Units => _units ??= MakeUnits();

    private List<int[]> MakeUnits()
    {
        if (Groups is null) return Enumerable.Range(0, Count).Select(i => new[] { i }).ToList();
        var byGroup = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var order = new List<List<int>>();
        for (int i = 0; i < Count; i++)
        {
            if (!byGroup.TryGetValue(Groups[i], out var rows)) order.Add(byGroup[Groups[i]] = rows = []);
            rows.Add(i);
        }
        return order.Select(rows => rows.ToArray()).ToList();
    }

    /// <summary>
    /// The task's score (ATTEMPT's <c>average_metrics</c>, <see cref="EvaluationReport.AverageOf"/>) on the units of
    /// <paramref name="draw"/>, indices in [0, <see cref="UnitCount"/>) that may repeat: a unit drawn twice counts twice,
    /// and each drawn copy of a question is its own question (numbered by its position in the draw).
    /// </summary>
    public double Score(IReadOnlyList<int> draw)
    {
        var units = Units;
        // Accuracy alone is the mean of per-row correctness (a unit is one row): counted directly — the same count
        // AccuracyMetric takes — which keeps 10,000 resamples of a classification task cheap.
        if (Groups is null && Metrics is [MetricKind.Accuracy])
        {
            var correct = _correct ??= Enumerable.Range(0, Count).Select(i => string.Equals(Targets[i], Predictions[i], StringComparison.Ordinal)).ToArray();
            int hits = 0;
            for (int k = 0; k < draw.Count; k++)
                if (correct[draw[k]]) hits++;
            return 100.0 * hits / draw.Count;
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
    public double Score() => Score(Enumerable.Range(0, UnitCount).ToList());
}
