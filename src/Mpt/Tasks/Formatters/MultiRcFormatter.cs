using System.Text.RegularExpressions;

namespace Mpt.Tasks.Formatters;

/// <summary>
/// SuperGLUE MultiRC: <c>question: … answer: … paragraph: …</c> after removing markup from each field
/// (<c>&lt;br&gt;</c> → space, then <c>&lt;b&gt;</c> / <c>&lt;/b&gt;</c> deleted, case-sensitive); target = str(label);
/// <c>extra_fields.group</c> = <c>idx.question</c> so exact match can be computed per question.
/// </summary>
public sealed partial class MultiRcFormatter : ITaskFormatter
{
    [GeneratedRegex("<(/)?b>", RegexOptions.CultureInvariant)]
    private static partial Regex BoldTag();

    /// <summary>ATTEMPT's <c>remove_markup</c>.</summary>
    public static string RemoveMarkup(string text) => BoldTag().Replace(text.Replace("<br>", " ", StringComparison.Ordinal), "");

    /// <inheritdoc />
    public string TargetField => "label";

    /// <inheritdoc />
    public object? TargetPlaceholder => 0L;

    /// <inheritdoc />
    public IReadOnlyList<TextToTextRow> Format(TaskDefinition task, IReadOnlyDictionary<string, object?> example, FormatOptions options)
    {
        object? group = ExampleFields.Get(task, ExampleFields.Object(task, example, "idx"), "question");
        var parts = new List<string>();
        foreach (SourceField f in task.Template)
        {
            parts.Add(f.Keyword);
            parts.Add(RemoveMarkup(ExampleFields.String(task, example, f.Field)));
        }
        return [task.Row(parts, ExampleFields.Str(task, example, "label"), options,
            new Dictionary<string, object?> { ["group"] = group })];
    }
}
