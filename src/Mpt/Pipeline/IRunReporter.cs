namespace Mpt.Pipeline;

/// <summary>
/// Renders a human-readable report (tables, plots) from a finished run folder (config.json, metrics.jsonl,
/// results.json, prompts). The pipeline calls <see cref="Write"/> once, after results.json is written.
/// </summary>
public interface IRunReporter
{
    /// <summary>Writes the report into <paramref name="runDir"/>; returns the path of its main file, or null when none was written.</summary>
    string? Write(string runDir);
}

/// <summary>The reporters of the library (the mpt CLI's markdown report with plots is part of the CLI).</summary>
public static class RunReporters
{
    /// <summary>A reporter that writes nothing; the default of <see cref="PipelineRunOptions.Reporter"/>.</summary>
    public static IRunReporter None { get; } = new NoRunReporter();
}

/// <summary>A reporter that writes nothing.</summary>
public sealed class NoRunReporter : IRunReporter
{
    /// <inheritdoc/>
    public string? Write(string runDir) => null;
}
