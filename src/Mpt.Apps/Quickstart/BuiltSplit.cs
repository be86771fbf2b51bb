namespace Mpt.Quickstart;

/// <summary>One split file of a built task.</summary>
/// <param name="Path">Absolute path of the JSONL file.</param>
/// <param name="Sha256">Its sha256 as recorded in the manifest.</param>
public sealed record BuiltSplit(string Path, string Sha256);
