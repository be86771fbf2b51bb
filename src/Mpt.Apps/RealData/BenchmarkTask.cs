namespace Mpt.RealData;

/// <summary>
/// A built benchmark task in memory: identity, labels with verbaliser descriptions, how it was split, where it came
/// from, and its three splits. <see cref="BenchmarkWriter"/> writes it as JSONL plus a manifest entry.
/// </summary>
/// <param name="Id">Short id from docs/data.md, e.g. <c>S1</c>, <c>T5</c>.</param>
/// <param name="Name">Folder and task name, e.g. <c>brown-genre</c>.</param>
/// <param name="Role">Source or target.</param>
/// <param name="Input">What the input text is, e.g. "Brown sentence, tags stripped".</param>
/// <param name="Labels">Classes in a fixed order, each with a description.</param>
/// <param name="SplitRule">How the splits were made (unit, fractions, stratification, seed), in words.</param>
/// <param name="Sources">Packages the task is built from.</param>
/// <param name="MayCommit">Whether the licence allows committing the built files (docs/data.md; false: build at set-up time only).</param>
/// <param name="Splits">train, validation, test.</param>
public sealed record BenchmarkTask(
    string Id,
    string Name,
    TaskRole Role,
    string Input,
    IReadOnlyList<TaskLabel> Labels,
    string SplitRule,
    IReadOnlyList<PinnedPackage> Sources,
    bool MayCommit,
    IReadOnlyList<TaskSplit> Splits)
{
    /// <summary>The split named <paramref name="name"/>.</summary>
    public TaskSplit Split(string name) =>
        Splits.FirstOrDefault(s => s.Name == name) ?? throw new KeyNotFoundException($"task {Name} has no split '{name}'");

    /// <summary>Whether examples are text pairs (written as <c>text_a</c> / <c>text_b</c>).</summary>
    public bool IsPair => Splits.Any(s => s.Examples.Any(e => e.TextB is not null));
}
