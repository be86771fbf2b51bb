namespace Mpt.Tasks;

/// <summary>Turns one raw example (field name → JSON-like value) into text-to-text rows.</summary>
public interface ITaskFormatter
{
    /// <summary>
    /// The rows for <paramref name="example"/>: one for most tasks, one per gold answer for ReCoRD.
    /// </summary>
    /// <exception cref="TaskFormatException">The example cannot be formatted (the message names the field).</exception>
    IReadOnlyList<TextToTextRow> Format(TaskDefinition task, IReadOnlyDictionary<string, object?> example, FormatOptions options);
}
