using Mpt.Reports;

namespace Mpt.Pipeline;

/// <summary>What <see cref="PipelineRunner.Run"/> produced.</summary>
/// <param name="Results">The contents of results.json (already written when this is returned).</param>
/// <param name="Report">Path of the report's main file, when the reporter wrote one.</param>
/// <param name="ReportError">Why the report could not be written, when it failed. The run itself succeeded: results.json
/// is written before the report, so a report failure (a damaged input, a full disk while drawing) loses no results and
/// is a warning rather than an error.</param>
public sealed record PipelineOutcome(RunResults Results, string? Report, string? ReportError);
