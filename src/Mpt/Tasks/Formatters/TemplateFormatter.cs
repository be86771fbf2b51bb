namespace Mpt.Tasks.Formatters;

/// <summary>
/// The common ATTEMPT preprocessor: source = the template's keywords each followed by <c>str(example[field])</c>,
/// target = <c>str(example[labelField])</c>, or the label mapped through <paramref name="labelMap"/> (SciTail's
/// "entailment" → "0"). Used by most classification tasks and by user-defined tasks.
/// </summary>
/// <param name="labelField">The field holding the label.</param>
/// <param name="labelMap">Optional map from the label's text to the target string; an unmapped label is an error
/// (ATTEMPT raises KeyError).</param>
public sealed class TemplateFormatter(string labelField = "label", IReadOnlyDictionary<string, string>? labelMap = null)
    : ITaskFormatter
{
    /// <summary>The field holding the label.</summary>
    public string LabelField { get; } = labelField;

    /// <summary>The label text → target map, or null to use the label's text as is.</summary>
    public IReadOnlyDictionary<string, string>? LabelMap { get; } = labelMap;

    /// <inheritdoc />
    public string TargetField => LabelField;

    /// <inheritdoc />
    public object? TargetPlaceholder => LabelMap is null ? "" : LabelMap.Keys.First(); // an unmapped label is an error

    /// <inheritdoc />
    public IReadOnlyList<TextToTextRow> Format(TaskDefinition task, IReadOnlyDictionary<string, object?> example, FormatOptions options)
    {
        var parts = new List<string>();
        foreach (SourceField f in task.Template)
        {
            parts.Add(f.Keyword);
            parts.Add(ExampleFields.Str(task, example, f.Field));
        }
        string label = ExampleFields.Str(task, example, LabelField);
        string target = label;
        if (LabelMap is not null && !LabelMap.TryGetValue(label, out target!))
            throw new TaskFormatException(task.Name,
                $"field '{LabelField}' is '{label}', which is not one of: {string.Join(", ", LabelMap.Keys)}.");
        return [task.Row(parts, target, options)];
    }
}
