namespace Mpt.Reports;

/// <summary>What <see cref="RunReport.Write"/> produced.</summary>
/// <param name="Markdown">Path of <c>report.md</c>.</param>
/// <param name="Html">Path of <c>report.html</c>, when written.</param>
/// <param name="Figures">Paths of the PNGs.</param>
/// <param name="Missing">What the run folder lacked and the report therefore leaves out (also listed in the report).</param>
public sealed record ReportOutput(string Markdown, string? Html, IReadOnlyList<string> Figures, IReadOnlyList<string> Missing);
