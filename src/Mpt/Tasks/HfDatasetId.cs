namespace Mpt.Tasks;

/// <summary>A Hugging Face <c>datasets</c> path and optional config, e.g. <c>glue</c> / <c>mnli</c>.</summary>
public sealed record HfDatasetId(string Path, string? Config);
