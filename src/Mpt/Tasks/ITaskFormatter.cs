namespace Mpt.Tasks;

/// <summary>Turns one raw example (field name → JSON-like value) into text-to-text rows.</summary>
public interface ITaskFormatter
{
    /// <summary>
    /// The rows for <paramref name="example"/>: one for most tasks, one per gold answer for ReCoRD.
    /// </summary>
    /// <exception cref="TaskFormatException">The example cannot be formatted (the message names the field).</exception>
    IReadOnlyList<TextToTextRow> Format(TaskDefinition task, IReadOnlyDictionary<string, object?> example, FormatOptions options);

    /// <summary>The raw field the target is read from (label, answers, ...): the one field a row to predict may lack.</summary>
    string TargetField { get; }

    /// <summary>
    /// A value of <see cref="TargetField"/> that <see cref="Format"/> accepts, so a row without a label can be formatted
    /// for prediction (<see cref="TaskDefinition.FormatInput"/>); the target it yields is discarded.
    /// </summary>
    object? TargetPlaceholder { get; }
}
