using Mpt.Reports;

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

/// <summary>The reporters of the pipeline.</summary>
public static class RunReporters
{
    /// <summary>The reporter used when none is given: <see cref="MarkdownRunReporter"/> (report/report.md, report.html, PNGs).</summary>
    public static IRunReporter Default { get; } = new MarkdownRunReporter();

    /// <summary>A reporter that writes nothing.</summary>
    public static IRunReporter None { get; } = new NoRunReporter();
}

/// <summary>Writes <see cref="RunReport"/>'s report (<c>report/report.md</c> with the results tables, loss and dev plots
/// and task-similarity heatmaps) into the run folder.</summary>
/// <param name="options">How the report is drawn; defaults when null.</param>
public sealed class MarkdownRunReporter(ReportOptions? options = null) : IRunReporter
{
    /// <inheritdoc/>
    public string? Write(string runDir) => RunReport.Write(runDir, options).Markdown;
}

/// <summary>A reporter that writes nothing.</summary>
public sealed class NoRunReporter : IRunReporter
{
    /// <inheritdoc/>
    public string? Write(string runDir) => null;
}
