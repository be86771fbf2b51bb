using Mpt.Pipeline;

namespace Mpt.Reports;

/// <summary>Writes <see cref="RunReport"/>'s report (<c>report/report.md</c> with the results tables, loss and dev plots
/// and task-similarity heatmaps) into the run folder: the report of the mpt CLI's pipeline verbs.</summary>
/// <param name="options">How the report is drawn; defaults when null.</param>
public sealed class MarkdownRunReporter(ReportOptions? options = null) : IRunReporter
{
    /// <inheritdoc/>
    public string? Write(string runDir) => RunReport.Write(runDir, options).Markdown;
}
