namespace Mpt.Tasks.Formatters;

/// <summary>
/// Rows of the real-data benchmark's JSONL files (<c>{"text", "label"}</c> or <c>{"text_a", "text_b", "label"}</c>):
/// the source is the text, or the two texts of a pair joined by a space (after the task prefix when it is on), and the
/// target is the label's name. A pair's texts are also kept as extra fields <see cref="FirstText"/> (with the prefix
/// when it is on) and <see cref="SecondText"/>, so an encoder can encode them as the two segments of a pair.
/// </summary>
public sealed class LabelledTextFormatter : ITaskFormatter
{
    /// <summary>Field of a single text.</summary>
    public const string Text = "text";

    /// <summary>Field (and extra row field) of a pair's first text.</summary>
    public const string FirstText = "text_a";

    /// <summary>Field (and extra row field) of a pair's second text.</summary>
    public const string SecondText = "text_b";

    /// <summary>Field of the label name.</summary>
    public const string Label = "label";

    /// <summary>The schema: one of text or text_a + text_b, and the label.</summary>
    public static IReadOnlyList<FieldSpec> Schema { get; } =
    [
        new(Text, FieldType.String, Required: false),
        new(FirstText, FieldType.String, Required: false),
        new(SecondText, FieldType.String, Required: false),
        new(Label, FieldType.String),
    ];

    /// <inheritdoc />
    public string TargetField => Label;

    /// <inheritdoc />
    public object? TargetPlaceholder => "";

    /// <inheritdoc />
    public IReadOnlyList<TextToTextRow> Format(TaskDefinition task, IReadOnlyDictionary<string, object?> example, FormatOptions options)
    {
        string target = ExampleFields.String(task, example, Label);
        if (example.ContainsKey(Text)) return [task.Row([ExampleFields.String(task, example, Text)], target, options)];
        if (!example.ContainsKey(FirstText) || !example.ContainsKey(SecondText))
            throw new TaskFormatException(task.Name, $"a row needs field '{Text}', or '{FirstText}' and '{SecondText}'.");
        string a = ExampleFields.String(task, example, FirstText), b = ExampleFields.String(task, example, SecondText);
        // The pair's first segment carries the prefix, as the joined source does.
        string first = options.AddPrefix ? $"{task.Prefix} {a}" : a;
        return [task.Row([a, b], target, options, new Dictionary<string, object?> { [FirstText] = first, [SecondText] = b })];
    }
}
