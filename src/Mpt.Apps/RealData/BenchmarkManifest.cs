namespace Mpt.RealData;

/// <summary>The result of a build: where the manifest is and what each task holds.</summary>
/// <param name="ManifestPath">Full path of <c>manifest.json</c>.</param>
/// <param name="Seed">Split seed used.</param>
/// <param name="Tasks">One entry per task, in build order.</param>
public sealed record BenchmarkManifest(string ManifestPath, int Seed, IReadOnlyList<ManifestEntry> Tasks)
{
    /// <summary>File name of the manifest inside the output folder.</summary>
    public const string FileName = "manifest.json";

    /// <summary>Format tag written into the manifest; bump it when the layout or a builder's output changes.</summary>
    public const string Format = "mpt-realdata-v1";
}
