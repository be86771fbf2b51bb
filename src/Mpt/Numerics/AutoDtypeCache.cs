using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mpt.Reports;

namespace Mpt.Numerics;

/// <summary>
/// The GEMM rates <c>model.dtype auto</c> measured, one file per <see cref="DtypeProbeKey"/> under
/// <c>{cache}/dtype-auto/{digest}.json</c> (the cache folder is <see cref="Serialization.MptCacheFolder"/>'s), so each
/// machine and setup measures once. A file is trusted only when it parses, has this format version, holds plausible
/// rates and records exactly the key asked for; anything else (a damaged file, one copied from another machine, a digest
/// collision) is a miss that says why, and is measured again and overwritten.
/// </summary>
/// <param name="cacheFolder">The Mpt cache folder (the entries go in its <see cref="SubFolder"/>).</param>
public sealed class AutoDtypeCache(string cacheFolder)
{
    /// <summary>The layout version of an entry; other versions are measured again.</summary>
    public const int FormatVersion = 1;

    /// <summary>Sub-folder of the cache folder that holds the entries.</summary>
    public const string SubFolder = "dtype-auto";

    /// <summary>The file of <paramref name="key"/>'s entry.</summary>
    public string PathOf(DtypeProbeKey key) => Path.Combine(cacheFolder, SubFolder, key.Digest() + ".json");

    /// <summary>The entry of <paramref name="key"/>, or null with the reason it cannot be used.</summary>
    public (AutoDtypeCacheEntry? Entry, string Note) Read(DtypeProbeKey key)
    {
        string path = PathOf(key);
        if (!File.Exists(path)) return (null, $"no cached rates for this machine ({path})");
        AutoDtypeCacheEntry? entry;
        try
        {
            entry = JsonSerializer.Deserialize<AutoDtypeCacheEntry>(File.ReadAllText(path), ReportJson.Indented);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return (null, $"{path} is unreadable or corrupt ({e.Message}); measuring again");
        }
        if (entry is null) return (null, $"{path} is empty; measuring again");
        if (entry.FormatVersion != FormatVersion)
            return (null, $"{path} has format_version {entry.FormatVersion}, this build reads {FormatVersion}; measuring again");
        if (!JsonNode.DeepEquals(entry.Key, JsonNode.Parse(key.ToJson())))
            return (null, $"{path} was measured for another machine or setup (its key differs from this one's: {key.ToJson()}); measuring again");
        if (!Plausible(entry.Float32GflopPerS) || !Plausible(entry.BFloat16GflopPerS))
            return (null, $"{path} holds rates that are not positive, finite and ordered (min ≤ quartiles ≤ max); measuring again");
        return (entry, $"cached in {path}, measured {entry.MeasuredUtc.ToString("u", CultureInfo.InvariantCulture)}");
    }

    /// <summary>Writes <paramref name="key"/>'s entry atomically (a concurrent reader sees the old file or the new one).</summary>
    public void Write(DtypeProbeKey key, TimingSummary float32, TimingSummary bfloat16, DateTimeOffset measuredUtc)
    {
        string path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var entry = new AutoDtypeCacheEntry(FormatVersion, JsonNode.Parse(key.ToJson())!.AsObject(), float32, bfloat16, measuredUtc);
        Serialization.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(entry, ReportJson.Indented) + "\n");
    }

    private static bool Plausible(TimingSummary? s) =>
        s is not null && s.Count >= 1 && double.IsFinite(s.Max) && s.Min > 0
        && s.Min <= s.LowerQuartile && s.LowerQuartile <= s.Median && s.Median <= s.UpperQuartile && s.UpperQuartile <= s.Max;
}
