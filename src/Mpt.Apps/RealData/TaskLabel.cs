namespace Mpt.RealData;

/// <summary>
/// A class of a benchmark task: its name (the <c>label</c> value in the files) and a short natural-language
/// description, which a similarity verbaliser embeds as the class prototype (docs/data.md, MiniLM).
/// </summary>
/// <param name="Name">Label value as written in the JSONL files.</param>
/// <param name="Description">Short phrase describing the class, e.g. "news report".</param>
public sealed record TaskLabel(string Name, string Description);
