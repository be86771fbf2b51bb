using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mpt.Serving;

/// <summary>
/// The summary of <c>mpt bench serve --soak-seconds</c>: load, failures and the resident-memory series of the soak
/// (<see cref="ServeSoakSample"/>), printed as one JSON line. "Memory flat" is read off <see cref="LateSlopeMibPerMin"/>:
/// the least-squares slope over the second half of the samples, after allocators and caches have grown to the load.
/// </summary>
public sealed record ServeSoakResult
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Always <c>serve-soak</c>.</summary>
    public string Bench { get; init; } = "serve-soak";

    /// <summary>The batching mode under load.</summary>
    public required string Mode { get; init; }

    /// <summary>Wall-clock seconds of the load.</summary>
    public required double Seconds { get; init; }

    /// <summary>Rows answered.</summary>
    public required long Rows { get; init; }

    /// <summary>Rows answered per second.</summary>
    public required double RowsPerS { get; init; }

    /// <summary>Requests not answered with 200 and a right answer.</summary>
    public required int Failed { get; init; }

    /// <summary>99th-percentile request latency, ms.</summary>
    public required double P99Ms { get; init; }

    /// <summary>Memory samples taken.</summary>
    public required int Samples { get; init; }

    /// <summary>Resident memory at the first sample (load just started, after the warm-up requests), MiB.</summary>
    public required double RssFirstMib { get; init; }

    /// <summary>Resident memory at the last sample, MiB.</summary>
    public required double RssLastMib { get; init; }

    /// <summary>The highest resident memory sampled, MiB.</summary>
    public required double RssMaxMib { get; init; }

    /// <summary>Least-squares slope of resident memory over time, MiB per minute, over every sample.</summary>
    public required double SlopeMibPerMin { get; init; }

    /// <summary>Least-squares slope over the second half of the samples (by time), MiB per minute.</summary>
    public required double LateSlopeMibPerMin { get; init; }

    /// <summary>The C heap's bytes in use at the last sample, MiB (<see cref="NativeHeap.Read"/>); null where unavailable.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? NativeInUseLastMib { get; init; }

    /// <summary>The C heap's free bytes held by malloc at the last sample, MiB; null where unavailable.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? NativeFreeLastMib { get; init; }

    /// <summary>The worker's C-heap trim interval in seconds (<see cref="BatchingOptions.TrimNativeHeapEvery"/>; 0 = never).</summary>
    public double TrimNativeHeapS { get; init; }

    /// <summary>C-heap trims during the soak.</summary>
    public long Trims { get; init; }

    /// <summary>The mean time of one trim, ms (0 without trims).</summary>
    public double TrimMs { get; init; }

    /// <summary>The summary of <paramref name="samples"/> (in time order, at least one) and the load's outcome.</summary>
    public static ServeSoakResult Of(string mode, IReadOnlyList<ServeSoakSample> samples, long rows, int failed, double seconds, double p99Ms)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) throw new ArgumentException("a soak has at least one sample.", nameof(samples));
        double half = samples[^1].Seconds / 2;
        return new ServeSoakResult
        {
            Mode = mode,
            Seconds = Math.Round(seconds, 1),
            Rows = rows,
            RowsPerS = seconds > 0 ? Math.Round(rows / seconds, 1) : 0,
            Failed = failed,
            P99Ms = p99Ms,
            Samples = samples.Count,
            RssFirstMib = samples[0].RssMib,
            RssLastMib = samples[^1].RssMib,
            RssMaxMib = samples.Max(s => s.RssMib),
            SlopeMibPerMin = Math.Round(SlopePerMinute(samples), 2),
            LateSlopeMibPerMin = Math.Round(SlopePerMinute(samples.Where(s => s.Seconds >= half).ToList()), 2),
            NativeInUseLastMib = samples[^1].NativeInUseMib,
            NativeFreeLastMib = samples[^1].NativeFreeMib,
        };
    }

    /// <summary>The least-squares slope of RSS over time in MiB per minute (0 for fewer than two distinct times).</summary>
    internal static double SlopePerMinute(IReadOnlyList<ServeSoakSample> samples)
    {
        if (samples.Count < 2) return 0;
        double meanT = samples.Average(s => s.Seconds), meanM = samples.Average(s => s.RssMib);
        double covariance = samples.Sum(s => (s.Seconds - meanT) * (s.RssMib - meanM));
        double variance = samples.Sum(s => (s.Seconds - meanT) * (s.Seconds - meanT));
        return variance == 0 ? 0 : covariance / variance * 60;
    }

    /// <summary>The line printed.</summary>
    public string ToJsonLine() => JsonSerializer.Serialize(this, Json);
}
