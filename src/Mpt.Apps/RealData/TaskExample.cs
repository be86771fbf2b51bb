namespace Mpt.RealData;

/// <summary>
/// One labelled example of a benchmark task. <paramref name="Group"/> is the leakage unit (Brown document, SOTU
/// speech, WordNet lemma, or the example itself): all examples of a group land in the same split.
/// </summary>
/// <param name="Id">Stable id, unique within the task; split membership is stored by it.</param>
/// <param name="Group">Leakage unit the split was decided on.</param>
/// <param name="Label">Class name (one of the task's <see cref="TaskLabel"/> names).</param>
/// <param name="Text">The input (single-text tasks), or the first text of a pair.</param>
/// <param name="TextB">The second text of a pair task (written as <c>text_a</c> / <c>text_b</c>); null for single-text tasks.</param>
public sealed record TaskExample(string Id, string Group, string Label, string Text, string? TextB = null);
