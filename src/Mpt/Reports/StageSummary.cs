using Mpt.Training;

namespace Mpt.Reports;

/// <summary>How long one pipeline stage took (an entry of <c>results.json</c>'s <c>stages</c>).</summary>
/// <param name="WallClockS">Wall-clock seconds of the whole stage (all its tasks, methods and seeds).</param>
/// <param name="Steps">Optimizer updates done in the stage, when known.</param>
/// <param name="Parameters">Parameter accounting of the prompts the stage trained, by task (a teacher per source task;
/// <c>all</c> for the distilled multitask prompt), when recorded.</param>
public sealed record StageSummary(double WallClockS, long? Steps = null, IReadOnlyDictionary<string, ParameterReport>? Parameters = null);
