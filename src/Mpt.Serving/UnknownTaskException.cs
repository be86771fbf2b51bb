namespace Mpt.Serving;

/// <summary>A request names a task the registry does not have.</summary>
public sealed class UnknownTaskException(string task, IEnumerable<string> known)
    : KeyNotFoundException($"task '{task}' is not served; served tasks: {string.Join(", ", known)}.")
{
    /// <summary>The name asked for.</summary>
    public string Task { get; } = task;
}
