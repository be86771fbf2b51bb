using System.Text.Json;
using System.Text.Json.Nodes;
using Mpt.Metrics;

namespace Mpt.Evaluation;

/// <summary>
/// Results of one or more tasks and their average, ATTEMPT's <c>average_metrics</c>: per task the mean of its score
/// metrics (<c>BaseTrainer.evaluate</c> averages the task's evaluation metrics), then the mean over tasks.
/// </summary>
public sealed class EvaluationReport
{
    /// <summary>Creates the report.</summary>
    /// <param name="tasks">Per-task results (at least one).</param>
    /// <param name="settings">Free-form settings recorded in the JSON (model, prompt, split, options...).</param>
    public EvaluationReport(IReadOnlyList<TaskEvaluationResult> tasks, IReadOnlyDictionary<string, object?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (tasks.Count == 0) throw new ArgumentException("A report needs at least one task.", nameof(tasks));
        Tasks = tasks;
        Settings = settings ?? new Dictionary<string, object?>();
        Average = tasks.Average(t => t.Average);
    }

    /// <summary>Per-task results, in evaluation order.</summary>
    public IReadOnlyList<TaskEvaluationResult> Tasks { get; }

    /// <summary>Mean over tasks of each task's average.</summary>
    public double Average { get; }

    /// <summary>Settings recorded with the results.</summary>
    public IReadOnlyDictionary<string, object?> Settings { get; }

    /// <summary>
    /// The keys of <paramref name="metrics"/> that are scores to average: everything except <c>invalid_rate</c> (a
    /// diagnostic, lower is better) and MultiRC's <c>f1m_macro_per_question</c> (not one of ATTEMPT's MultiRC metrics,
    /// which are F1 over answers and exact match).
    /// </summary>
    public static IReadOnlyList<string> ScoreKeys(IReadOnlyDictionary<string, double> metrics) =>
        metrics.Keys.Where(k => k is not MetricNames.InvalidRate and not MetricNames.MultiRcF1mMacroPerQuestion)
            .Order(StringComparer.Ordinal).ToList();

    /// <summary>The mean of <paramref name="metrics"/>' score keys.</summary>
    public static double AverageOf(IReadOnlyDictionary<string, double> metrics)
    {
        var keys = ScoreKeys(metrics);
        if (keys.Count == 0) throw new ArgumentException("No score metrics to average.", nameof(metrics));
        return keys.Average(k => metrics[k]);
    }

    /// <summary>
    /// The report as JSON: <c>{"average_metrics", "tasks": {name: {"n_examples", "decoding", "metrics",
    /// "invalid_rate", "average_metrics"}}, "settings"}</c>, keys sorted within metrics, indented.
    /// </summary>
    public string ToJson()
    {
        var tasks = new JsonObject();
        foreach (TaskEvaluationResult t in Tasks)
        {
            var metrics = new JsonObject();
            foreach (string key in t.Metrics.Keys.Order(StringComparer.Ordinal)) metrics[key] = t.Metrics[key];
            tasks[t.Task] = new JsonObject
            {
                ["n_examples"] = t.Examples,
                ["decoding"] = t.Decoding,
                ["metrics"] = metrics,
                ["invalid_rate"] = t.InvalidRate,
                ["average_metrics"] = t.Average,
            };
        }
        var root = new JsonObject
        {
            ["average_metrics"] = Average,
            ["tasks"] = tasks,
            ["settings"] = JsonSerializer.SerializeToNode(Settings),
        };
        // A metric that is undefined comes out as NaN; write it as "NaN" rather than failing after a long evaluation.
        return root.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        });
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> (folders created), atomically (<see cref="Serialization.AtomicFile"/>).</summary>
    public void WriteJson(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Serialization.AtomicFile.WriteAllText(path, ToJson() + "\n");
    }

    /// <summary>Writes the predictions as JSON Lines: one object per row with task, index, prediction and target.</summary>
    public void WritePredictions(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var text = new System.Text.StringBuilder();
        foreach (TaskEvaluationResult t in Tasks)
            for (int i = 0; i < t.Predictions.Count; i++)
                text.Append(JsonSerializer.Serialize(new { task = t.Task, index = i, prediction = t.Predictions[i], target = t.Targets[i] })).Append('\n');
        Serialization.AtomicFile.WriteAllText(path, text.ToString());
    }
}
