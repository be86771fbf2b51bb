using Mpt.Reports;

namespace Mpt.Quickstart;

/// <summary>What a quickstart run produced.</summary>
/// <param name="RunDir">The run folder (absolute).</param>
/// <param name="Results">The contents of its results.json.</param>
/// <param name="Table">The printed results table (<see cref="ConsoleResultsTable.Format"/>).</param>
/// <param name="Report">The written report (report.md, report.html, PNG figures).</param>
/// <param name="TotalSeconds">Wall clock of the whole run, data and model loading included.</param>
public sealed record QuickstartResult(string RunDir, RunResults Results, string Table, ReportOutput Report, double TotalSeconds);
