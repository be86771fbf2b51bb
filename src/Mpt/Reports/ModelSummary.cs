namespace Mpt.Reports;

/// <summary>The frozen backbone a run used (<c>results.json</c>'s <c>model</c>).</summary>
/// <param name="Name">Model name or folder, e.g. <c>t5-base</c>.</param>
/// <param name="Architecture">Architecture summary, e.g. <c>T5 d_model=768 layers=12+12</c>.</param>
/// <param name="Fingerprint">Weights fingerprint recorded in the prompt files.</param>
/// <param name="TotalParams">Parameters of the backbone, for the "% of the model" column of the parameter table.</param>
public sealed record ModelSummary(string Name, string? Architecture = null, string? Fingerprint = null, long? TotalParams = null);
