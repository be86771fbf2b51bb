namespace Mpt.Data;

/// <summary>Which dataset split to load and which of its rows (in order) make up the requested split.</summary>
/// <param name="SourceSplit">The dataset split name, e.g. "validation_matched".</param>
/// <param name="Indices">Row indices into that dataset split, in the order ATTEMPT yields them.</param>
public sealed record SplitPlan(string SourceSplit, IReadOnlyList<int> Indices);
