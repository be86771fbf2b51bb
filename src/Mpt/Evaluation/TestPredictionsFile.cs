using System.Text.Json;
using System.Text.Json.Serialization;
using Mpt.Reports;

namespace Mpt.Evaluation;

/// <summary>
/// <c>test_predictions.json</c> of a target run: the per-example test outcomes of every task the run was tested on,
/// <code>{"format_version": 1, "tasks": [{"task": "rte", "metrics": ["accuracy"], "labels": […], "predictions": […], "targets": […]}]}</code>
/// (plus <c>groups</c> / <c>answers</c> for MultiRC and ReCoRD, <see cref="TestPredictions"/>), rows in test-set order.
/// Written next to <c>test_results.json</c>, through a temporary file and a rename; read back by the paired comparisons
/// of a run (<see cref="Pipeline.RunComparisons"/>).
/// </summary>
public static class TestPredictionsFile
{
    /// <summary>File name inside a target run folder.</summary>
    public const string FileName = "test_predictions.json";

    /// <summary>The layout version this library writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new(ReportJson.Compact)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    private sealed record Document(int FormatVersion, IReadOnlyList<TestPredictions> Tasks);

    /// <summary>Writes <paramref name="tasks"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, IReadOnlyList<TestPredictions> tasks) =>
        Serialization.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new Document(CurrentFormatVersion, tasks), Json) + "\n");

    /// <summary>Reads a file written by <see cref="Write"/>: task name → its outcomes.</summary>
    /// <exception cref="InvalidDataException">Malformed JSON, another format version, or lists of unequal length (file and task named).</exception>
    public static IReadOnlyDictionary<string, TestPredictions> Read(string path)
    {
        Document document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(File.ReadAllText(path), Json)
                       ?? throw new InvalidDataException($"{path}: the file is JSON null, expected an object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid {FileName} ({e.Message}).", e);
        }
        if (document.FormatVersion != CurrentFormatVersion)
            throw new InvalidDataException($"{path}: format_version {document.FormatVersion}, this library reads {CurrentFormatVersion}.");
        var result = new Dictionary<string, TestPredictions>(StringComparer.Ordinal);
        foreach (var t in document.Tasks)
        {
            int n = t.Predictions.Count;
            if (n == 0 || t.Targets.Count != n || t.Groups is { } g && g.Count != n || t.Answers is { } a && a.Count != n)
                throw new InvalidDataException($"{path}: task '{t.Task}': predictions, targets, groups and answers must be non-empty lists of one length, got {n} predictions and {t.Targets.Count} targets.");
            if (t.Metrics.Count == 0) throw new InvalidDataException($"{path}: task '{t.Task}': metrics is empty.");
            if (!result.TryAdd(t.Task, t)) throw new InvalidDataException($"{path}: task '{t.Task}' is listed twice.");
        }
        return result;
    }
}
