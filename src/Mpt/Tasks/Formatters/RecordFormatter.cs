using System.Text.RegularExpressions;

namespace Mpt.Tasks.Formatters;

/// <summary>
/// SuperGLUE ReCoRD (ATTEMPT <c>SuperGLUERecord</c>, after t5): the passage's <c>\n@highlight\n</c> separators become
/// a space after sentence-final punctuation (. ? ! " ') and ". " elsewhere; source =
/// <c>record query: {query} entities: {e1, e2, …} passage: {passage}</c>; one row per gold answer (duplicates kept),
/// or one row with target <c>&lt;unk&gt;</c> when there is none; <c>extra_fields.answers</c> = all answers.
/// <see cref="FormatOptions.RecordOneRowPerQuery"/> emits one row per query instead.
/// </summary>
public sealed partial class RecordFormatter : ITaskFormatter
{
    [GeneratedRegex("([.?!\"'])\n@highlight\n", RegexOptions.CultureInvariant)]
    private static partial Regex HighlightAfterPunctuation();

    /// <summary>The passage with its highlight separators cleaned.</summary>
    public static string CleanPassage(string passage) =>
        HighlightAfterPunctuation().Replace(passage, "$1 ").Replace("\n@highlight\n", ". ", StringComparison.Ordinal);

    /// <inheritdoc />
    public string TargetField => "answers";

    /// <inheritdoc />
    public object? TargetPlaceholder => new List<object?>(); // no answer: one row per query, as ReCoRD's test split

    /// <inheritdoc />
    public IReadOnlyList<TextToTextRow> Format(TaskDefinition task, IReadOnlyDictionary<string, object?> example, FormatOptions options)
    {
        string passage = CleanPassage(ExampleFields.String(task, example, "passage"));
        string query = ExampleFields.Str(task, example, "query");
        IReadOnlyList<string> entities = ExampleFields.StringList(task, example, "entities");
        IReadOnlyList<string> answers = ExampleFields.StringList(task, example, "answers");
        string[] parts = ["record query:", query, "entities:", string.Join(", ", entities), "passage:", passage];
        var extra = new Dictionary<string, object?> { ["answers"] = answers.Cast<object?>().ToList() };
        if (answers.Count == 0 || options.RecordOneRowPerQuery)
            return [task.Row(parts, answers.Count == 0 ? "<unk>" : answers[0], options, extra)];
        return answers.Select(a => task.Row(parts, a, options, extra)).ToList();
    }
}
