using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Mpt.Numerics;

/// <summary>One file of <see cref="AutoDtypeCache"/>: the key it was measured under and the two GEMM rates (GFLOP/s over
/// the probe's rounds). The decision is not stored: it is made again from the rates by <see cref="AutoDtype.Rule"/>.</summary>
/// <param name="FormatVersion"><see cref="AutoDtypeCache.FormatVersion"/> of the writer.</param>
/// <param name="Key">The <see cref="DtypeProbeKey"/> as JSON.</param>
/// <param name="Float32GflopPerS">float32 rate.</param>
/// <param name="BFloat16GflopPerS">bfloat16 rate.</param>
/// <param name="MeasuredUtc">When it was measured.</param>
public sealed record AutoDtypeCacheEntry(int FormatVersion, JsonObject Key, [property: JsonPropertyName("float32_gflop_per_s")] TimingSummary Float32GflopPerS, [property: JsonPropertyName("bfloat16_gflop_per_s")] TimingSummary BFloat16GflopPerS, DateTimeOffset MeasuredUtc);
