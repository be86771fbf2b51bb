namespace Mpt.Pipeline;

/// <summary>
/// Renders a human-readable report (tables, plots) from a finished run folder (config.json, metrics.jsonl,
/// results.json, prompts). The pipeline calls <see cref="Write"/> once, after results.json is written.
/// </summary>
public interface IRunReporter
{
    /// <summary>Writes the report into <paramref name="runDir"/>.</summary>
    void Write(string runDir);
}

/// <summary>The reporter used when none is given.</summary>
public static class RunReporters
{
    /// <summary>
    /// INTEGRATION POINT (issue 5 item 2, report rendering): replace with an adapter over the Markdown/PNG report
    /// writer (<c>Mpt.Reports.RunReport.Write(runFolder)</c>) once it is merged; every verb gets it from here.
    /// </summary>
    public static IRunReporter Default { get; } = new NoRunReporter();
}

/// <summary>A reporter that writes nothing.</summary>
public sealed class NoRunReporter : IRunReporter
{
    /// <inheritdoc/>
    public void Write(string runDir) { }
}
