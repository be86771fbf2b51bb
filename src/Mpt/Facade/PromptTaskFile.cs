using System.Text.Json;
using System.Text.Json.Nodes;
using Mpt.Metrics;
using Mpt.Tasks;
using Mpt.Tasks.Formatters;

namespace Mpt;

/// <summary>What a saved prompt was trained for beyond PEFT's files: the backbone kind, the task, its labels and how
/// its inputs were written.</summary>
/// <param name="Backbone">The model family the prompt belongs to (<c>minilm</c>, <c>bert</c> or <c>t5</c>).</param>
/// <param name="Task">Task name.</param>
/// <param name="Labels">The labels, class c at index c (empty for free-text generation).</param>
/// <param name="Descriptions">The text an encoder compared each label with.</param>
/// <param name="InputPrefix">The task prefix every training input started with (ATTEMPT's <c>add_prefix</c>: "sst2 "
/// + the sentence), or null when the inputs were the text alone. A prompt is trained on one input format, and scoring
/// another format silently loses accuracy, so predictions must write inputs the same way.</param>
internal sealed record PromptTask(string Backbone, string Task, IReadOnlyList<string> Labels, IReadOnlyList<string> Descriptions,
    string? InputPrefix = null)
{
    private static readonly IReadOnlyDictionary<string, object?> NoExtraFields = new Dictionary<string, object?>();

    /// <summary>The family name recorded for a backbone kind.</summary>
    public static string Family(Model.BackboneKind kind) => kind switch
    {
        Model.BackboneKind.MiniLM => "minilm",
        Model.BackboneKind.Bert => "bert",
        _ => "t5",
    };

    /// <summary>
    /// The record of a catalog task trained by the pipeline: its labels and label descriptions, and its prefix when the
    /// run formatted inputs with it (<c>add_prefix</c>).
    /// </summary>
    public static PromptTask Of(TaskDefinition definition, string family, bool addPrefix) =>
        new(family, definition.Name, definition.Labels ?? [], definition.DescribedLabels(), addPrefix ? definition.Prefix : null);

    /// <summary>An input as the prompt saw inputs in training: after the task prefix and a space when it had one
    /// (the order ATTEMPT's formatting uses, <c>"{prefix} {text}"</c>).</summary>
    public string Source(string input) => Peft.TrainedInput.Format(InputPrefix, input);

    /// <summary>
    /// The task as the backbones know tasks: one text field, the labels with their descriptions, accuracy (so its dev
    /// score is the pipeline's: the task's metric in %, <see cref="Backbones.ITaskScorer"/>), no prefix.
    /// </summary>
    public TaskDefinition Definition() => new()
    {
        Name = Task,
        Prefix = Task,
        Template = [new SourceField("", LabelledTextFormatter.Text)],
        Labels = Labels.Count > 0 ? Labels : null,
        LabelDescriptions = Labels.Count > 0 ? Labels.Zip(Descriptions).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal) : null,
        Formatter = new LabelledTextFormatter(),
        Metrics = [MetricKind.Accuracy],
        SplitRule = SplitRule.Own,
        DataSplits = new DataSplitMap("train", "validation", "test"),
        Schema = LabelledTextFormatter.Schema,
    };

    /// <summary>A row of this task: the input as in training (<see cref="Source"/>) and its label.</summary>
    public TextToTextRow Row(string input, string label) => new(Source(input), label, Task, NoExtraFields);
}

/// <summary>
/// The sidecar <c>mpt_task.json</c> next to a saved adapter (PEFT ignores files it does not know, as it does
/// <c>mpt_model.json</c>): an encoder prompt is useless without the label descriptions its scores are computed against,
/// and a T5 prompt's labels give the classes to score. Format:
/// <c>{"format": "mpt-task-v1", "backbone": ..., "task": ..., "labels": [...], "label_descriptions": [...]}</c>, plus
/// <c>"input_prefix": "..."</c> when the training inputs started with the task prefix (absent: the text alone, which is
/// what files written before the key existed meant, since only the library wrote them and it adds no prefix).
/// </summary>
internal static class PromptTaskFile
{
    public const string FileName = "mpt_task.json";

    private const string Format = "mpt-task-v1";

    public static void Write(string folder, PromptTask task)
    {
        var doc = new JsonObject
        {
            ["format"] = Format,
            ["backbone"] = task.Backbone,
            ["task"] = task.Task,
            ["labels"] = new JsonArray(task.Labels.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
            ["label_descriptions"] = new JsonArray(task.Descriptions.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
        };
        if (task.InputPrefix is not null) doc["input_prefix"] = task.InputPrefix;
        string path = Path.Combine(folder, FileName);
        Serialization.AtomicFile.WriteAllText(path, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The sidecar of <paramref name="folder"/>, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">The file exists but is malformed (the key is named).</exception>
    public static PromptTask? Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return null;
        JsonObject doc;
        try
        {
            doc = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }
        string Text(string key) => doc[key] is JsonValue v && v.TryGetValue(out string? s) ? s : throw new InvalidDataException($"{path}: '{key}' must be a string.");
        List<string> List(string key) => doc[key] is JsonArray a && a.All(n => n is JsonValue v && v.TryGetValue(out string? _))
            ? a.Select(n => n!.GetValue<string>()).ToList()
            : throw new InvalidDataException($"{path}: '{key}' must be a list of strings.");
        if (Text("format") != Format) throw new InvalidDataException($"{path}: format '{Text("format")}' is not '{Format}'.");
        var labels = List("labels");
        var descriptions = List("label_descriptions");
        if (descriptions.Count != labels.Count)
            throw new InvalidDataException($"{path}: 'label_descriptions' has {descriptions.Count} entries but 'labels' has {labels.Count}.");
        string? prefix = doc.ContainsKey("input_prefix") ? Text("input_prefix") : null;
        return new PromptTask(Text("backbone"), Text("task"), labels, descriptions, prefix);
    }
}
