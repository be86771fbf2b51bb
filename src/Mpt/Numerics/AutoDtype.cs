using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Numerics;

/// <summary>
/// <c>model.dtype auto</c> (issue 17 item 4): the backbone runs in bfloat16 only where this machine's bfloat16 GEMM is
/// clearly faster than its float32 GEMM, measured once per machine and setup with the robust probe
/// (<see cref="GemmRate"/>) and cached (<see cref="AutoDtypeCache"/>). Never float16 (T5's activations overflow its
/// range; HF transformers documents T5 as unstable in fp16), and prompts train in float32 whatever is chosen.
/// </summary>
/// <remarks>
/// Order of resolution: a resumed run keeps the dtype its run folder recorded (its finished parts were computed with it,
/// whatever the cache says now); the reproducible numerics mode resolves to float32 without measuring (a timing-based
/// choice differs between machines, and the mode caps oneDNN at AVX2, which has no bfloat16 instructions); else the cached
/// rates of this <see cref="DtypeProbeKey"/>, else a fresh measurement (also when <see cref="RemeasureVariable"/> is set).
/// </remarks>
public sealed class AutoDtype
{
    /// <summary>The config value.</summary>
    public const string Name = "auto";

    /// <summary>float32's config name.</summary>
    public const string Float32 = "float32";

    /// <summary>bfloat16's config name.</summary>
    public const string BFloat16 = "bfloat16";

    /// <summary>
    /// How much faster the bfloat16 GEMM must be for bfloat16 to be chosen. The GEMM is the step's ceiling, not the step:
    /// the norms, softmax, dropout and the casts between the bfloat16 backbone and the float32 prompt do not speed up
    /// (measured on this EPYC: bfloat16 GEMM 2.75× float32's, the t5-small step only 1.58× faster, docs/performance.md),
    /// and the probe's median moves by several percent between runs on a shared machine. Below 1.15× the step would gain
    /// little or nothing, while bfloat16 costs precision (8 mantissa bits), so float32 stays.
    /// </summary>
    public const double RequiredSpeedup = 1.15;

    /// <summary>Rows of the probed product: 8 examples × 256 encoder positions (e.g. prompt 100 + 156 input tokens), a
    /// realistic training batch; the product is rows × d_model times d_model × d_ff, a step's dominant GEMM.</summary>
    public const int ProbeRows = 2048;

    /// <summary>Set to <c>1</c> (or <c>true</c>) to ignore the cache and measure again (the new rates replace the entry).</summary>
    public const string RemeasureVariable = "MPT_DTYPE_AUTO_REMEASURE";

    private readonly AutoDtypeCache _cache;
    private readonly Func<string, string?> _environment;
    private readonly Func<DtypeProbeKey, (TimingSummary Float32, TimingSummary BFloat16)> _measure;

    /// <summary>Creates the resolver.</summary>
    /// <param name="cacheFolder">The Mpt cache folder; default <see cref="Serialization.MptCacheFolder.Default"/>.</param>
    /// <param name="environment">Reads <see cref="RemeasureVariable"/>; default the process environment.</param>
    /// <param name="measure">Measures the two rates (GFLOP/s) for a key; default <see cref="Measure"/>. Tests inject rates.</param>
    public AutoDtype(string? cacheFolder = null, Func<string, string?>? environment = null,
        Func<DtypeProbeKey, (TimingSummary Float32, TimingSummary BFloat16)>? measure = null)
    {
        _cache = new AutoDtypeCache(cacheFolder ?? Serialization.MptCacheFolder.Default());
        _environment = environment ?? System.Environment.GetEnvironmentVariable;
        _measure = measure ?? Measure;
    }

    /// <summary>The decision on given median rates (GFLOP/s): bfloat16 when it is at least <see cref="RequiredSpeedup"/>×
    /// float32's rate, else float32; with the sentence that says so.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate that is not positive and finite.</exception>
    public static (string Dtype, string Why) Rule(double float32GflopPerS, double bfloat16GflopPerS)
    {
        if (!(float32GflopPerS > 0) || !double.IsFinite(float32GflopPerS)) throw new ArgumentOutOfRangeException(nameof(float32GflopPerS), float32GflopPerS, "a GEMM rate must be positive and finite.");
        if (!(bfloat16GflopPerS > 0) || !double.IsFinite(bfloat16GflopPerS)) throw new ArgumentOutOfRangeException(nameof(bfloat16GflopPerS), bfloat16GflopPerS, "a GEMM rate must be positive and finite.");
        double ratio = bfloat16GflopPerS / float32GflopPerS;
        string rates = string.Create(CultureInfo.InvariantCulture,
            $"bfloat16 GEMM {bfloat16GflopPerS:F1} GFLOP/s vs float32 {float32GflopPerS:F1} GFLOP/s = {ratio:F2}×");
        return ratio >= RequiredSpeedup
            ? (BFloat16, string.Create(CultureInfo.InvariantCulture, $"{rates} (≥ {RequiredSpeedup:F2}× needed)"))
            : (Float32, string.Create(CultureInfo.InvariantCulture, $"{rates} (bfloat16 needs ≥ {RequiredSpeedup:F2}×)"));
    }

    /// <summary>Resolves <c>auto</c> for a run (see the remarks for the order).</summary>
    /// <param name="recordedDtype">The dtype the run folder recorded when the run is resumed (null: a fresh run, or none recorded).</param>
    /// <param name="reproducible">Whether the reproducible numerics mode is active.</param>
    /// <param name="key">The probe's key for this process (built only when the rates are needed).</param>
    /// <param name="log">Receives why a cache entry was not used.</param>
    public DtypeChoice Resolve(string? recordedDtype, bool reproducible, Func<DtypeProbeKey> key, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (recordedDtype is Float32 or BFloat16)
            return new DtypeChoice(recordedDtype, DtypeChoice.RunFolder,
                "the resumed run keeps the dtype its run folder recorded when it started (its finished parts were computed with it)");
        if (reproducible)
            return new DtypeChoice(Float32, DtypeChoice.ReproducibleMode,
                "the reproducible numerics mode resolves auto to float32 without measuring: a timing-based choice would differ " +
                "between machines, and the mode caps oneDNN at AVX2, which has no bfloat16 instructions");
        var probeKey = key();
        string? remeasure = _environment(RemeasureVariable);
        bool forced = remeasure is not null && (remeasure == "1" || remeasure.Equals("true", StringComparison.OrdinalIgnoreCase));
        if (!forced)
        {
            var (entry, note) = _cache.Read(probeKey);
            if (entry is not null)
                return Decide(entry.Float32GflopPerS, entry.BFloat16GflopPerS, DtypeChoice.Cached, probeKey, note);
            log?.Invoke($"model.dtype auto: {note}");
        }
        log?.Invoke($"model.dtype auto: measuring the float32 and bfloat16 GEMM {Shape(probeKey)} on {probeKey.Threads} thread(s)" +
                    (forced ? $" ({RemeasureVariable} is set)" : ""));
        var (float32, bfloat16) = _measure(probeKey);
        string stored;
        try
        {
            _cache.Write(probeKey, float32, bfloat16, DateTimeOffset.UtcNow);
            stored = $"cached in {_cache.PathOf(probeKey)}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stored = $"not cached: {e.Message}";
        }
        return Decide(float32, bfloat16, DtypeChoice.Measured, probeKey, stored);
    }

    /// <summary>The default measurement: both dtypes, rounds interleaved (<see cref="GemmRate.Measure(long, long, long, IReadOnlyList{ScalarType}, GemmProbeOptions?, Device?)"/>).</summary>
    public static (TimingSummary Float32, TimingSummary BFloat16) Measure(DtypeProbeKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var rates = GemmRate.Measure(key.Gemm[0], key.Gemm[1], key.Gemm[2], [ScalarType.Float32, ScalarType.BFloat16], device: torch.device(key.Device));
        return (rates[0].GflopPerSSpread, rates[1].GflopPerSSpread);
    }

    private static DtypeChoice Decide(TimingSummary float32, TimingSummary bfloat16, string source, DtypeProbeKey key, string note)
    {
        var (dtype, why) = Rule(float32.Median, bfloat16.Median);
        string reason = string.Create(CultureInfo.InvariantCulture,
            $"{why}; median of {float32.Count}/{bfloat16.Count} rounds of {Shape(key)} on {key.Threads} thread(s), {key.Device} ({key.Cpu}); {note}");
        return new DtypeChoice(dtype, source, reason, float32, bfloat16);
    }

    private static string Shape(DtypeProbeKey key) => string.Join('×', key.Gemm);
}
