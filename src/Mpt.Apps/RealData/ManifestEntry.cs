namespace Mpt.RealData;

/// <summary>What was written for one task (a summary of its <c>manifest.json</c> entry).</summary>
/// <param name="Id">Short id, e.g. <c>S1</c>.</param>
/// <param name="Name">Task folder name, e.g. <c>brown-genre</c>.</param>
/// <param name="Role">Source or target.</param>
/// <param name="Labels">Classes with verbaliser descriptions.</param>
/// <param name="SplitSizes">Examples per split (train, validation, test).</param>
/// <param name="Files">Path of each split file relative to the output folder.</param>
/// <param name="Sha256">Lower-case hex sha256 of each split file.</param>
public sealed record ManifestEntry(
    string Id,
    string Name,
    TaskRole Role,
    IReadOnlyList<TaskLabel> Labels,
    IReadOnlyDictionary<string, int> SplitSizes,
    IReadOnlyDictionary<string, string> Files,
    IReadOnlyDictionary<string, string> Sha256);
