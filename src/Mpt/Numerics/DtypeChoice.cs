using System.Text.Json.Serialization;

namespace Mpt.Numerics;

/// <summary>
/// How <c>model.dtype auto</c> was resolved for a run (<see cref="AutoDtype"/>): the dtype the run uses, where the
/// decision came from and why, with the two GEMM rates when it was made from them. Written to <c>results.json</c>
/// (<c>dtype_choice</c>) and logged at the start of the run; the run's recorded settings hold <see cref="Resolved"/> alone.
/// </summary>
/// <param name="Resolved"><c>float32</c> or <c>bfloat16</c>.</param>
/// <param name="Source">Where the decision came from: <see cref="Measured"/>, <see cref="Cached"/>, <see cref="RunFolder"/>,
/// <see cref="ReproducibleMode"/> or <see cref="Encoder"/>.</param>
/// <param name="Reason">One sentence saying why.</param>
/// <param name="Float32GflopPerS">The float32 GEMM rate over the probe's rounds (GFLOP/s), when the rates decided.</param>
/// <param name="BFloat16GflopPerS">The bfloat16 GEMM rate, likewise.</param>
public sealed record DtypeChoice(string Resolved, string Source, string Reason, [property: JsonPropertyName("float32_gflop_per_s")] TimingSummary? Float32GflopPerS = null, [property: JsonPropertyName("bfloat16_gflop_per_s")] TimingSummary? BFloat16GflopPerS = null)
{
    /// <summary>The rates were measured in this process.</summary>
    public const string Measured = "measured";

    /// <summary>The rates came from the per-machine cache.</summary>
    public const string Cached = "cache";

    /// <summary>A resumed run kept the dtype its run folder recorded.</summary>
    public const string RunFolder = "run_folder";

    /// <summary>The reproducible numerics mode: float32 without measuring.</summary>
    public const string ReproducibleMode = "reproducible_mode";

    /// <summary>An encoder backbone, which runs in float32.</summary>
    public const string Encoder = "encoder";

    /// <summary>The log line, e.g. <c>model.dtype auto → bfloat16 (measured): …</c>.</summary>
    public string Describe() => $"model.dtype auto → {Resolved} ({Source}): {Reason}";
}
