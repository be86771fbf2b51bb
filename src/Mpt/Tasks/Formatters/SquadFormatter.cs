using Mpt.Data;

namespace Mpt.Tasks.Formatters;

/// <summary>
/// SQuAD and the MRQA tasks (ATTEMPT <c>Squad</c>): <c>question: {q} context: {c}</c> with
/// <see cref="PunctuationPadding.Pad"/> applied to question, context and answers. ATTEMPT pads
/// <c>str(answers)</c> and then splits on tab, but padding has already turned the tabs into spaces, so several
/// answers become one space-joined target, and a non-string <c>answers</c> (HF's dict layout) is padded as its Python
/// repr. <see cref="FormatOptions.MrqaDeptFormat"/> (MRQA tasks only) follows DePT instead: the task's own name
/// as prefix, target = the first answer (list, or tab-joined string) padded.
/// </summary>
public sealed class SquadFormatter : ITaskFormatter
{
    /// <summary>True for the MRQA tasks, to which <see cref="FormatOptions.MrqaDeptFormat"/> applies.</summary>
    public bool IsMrqa { get; init; }

    /// <inheritdoc />
    public string TargetField => "answers";

    /// <inheritdoc />
    public object? TargetPlaceholder => "";

    /// <inheritdoc />
    public IReadOnlyList<TextToTextRow> Format(TaskDefinition task, IReadOnlyDictionary<string, object?> example, FormatOptions options)
    {
        object? answers = ExampleFields.Get(task, example, "answers");
        string[] parts =
        [
            "question:", PunctuationPadding.Pad(ExampleFields.Str(task, example, "question")),
            "context:", PunctuationPadding.Pad(ExampleFields.Str(task, example, "context")),
        ];
        if (IsMrqa && options.MrqaDeptFormat)
        {
            string first = answers switch
            {
                string s => s.Split('\t')[0],
                IEnumerable<object?> list => list.Select(PythonText.Str).FirstOrDefault()
                    ?? throw new TaskFormatException(task.Name, "field 'answers' is an empty list (DePT reads answers[0])."),
                _ => throw new TaskFormatException(task.Name,
                    $"field 'answers' must be a string or a list, got {ExampleFields.Describe(answers)}."),
            };
            return [task.Row(parts, PunctuationPadding.Pad(first), options, prefix: task.Name)];
        }
        string[] targets = PunctuationPadding.Pad(PythonText.Str(answers)).Split('\t');
        return [task.Row(parts, string.Join(' ', targets), options)];
    }
}
