namespace Mpt.Tasks;

/// <summary>
/// An example cannot be formatted: a field is missing or has the wrong type, or the reference preprocessor itself
/// raises on this input (e.g. WinoGrande's <c>int('')</c> on a test example, a WSC span that is not a valid regex).
/// </summary>
public sealed class TaskFormatException(string task, string message, Exception? inner = null)
    : Exception($"task '{task}': {message}", inner)
{
    /// <summary>The task whose formatter failed.</summary>
    public string Task { get; } = task;
}
