using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mpt.Benchmarks;

/// <summary>
/// One benchmark run, printed as one JSON line (snake_case keys) so it can be compared side by side with the output
/// of a PyTorch script doing the same step. Times are wall-clock milliseconds over the measured steps.
/// </summary>
public sealed record BenchmarkResult
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Which benchmark: train-step, distill-step or generate.</summary>
    public required string Bench { get; init; }

    /// <summary>Model shape name.</summary>
    public required string Shape { get; init; }

    /// <summary>"float32" or "bfloat16" (the backbone's dtype).</summary>
    public required string Dtype { get; init; }

    /// <summary>Whether backbone dropout was on (training steps; always off for generation).</summary>
    public required bool Dropout { get; init; }

    /// <summary>How dropout masks were drawn ("exact" or "parallel_chunks"); null when dropout was off.</summary>
    public string? DropoutKernel { get; init; }

    /// <summary>The attention kernel chosen ("fused" or "math"); fused runs only where attention dropout is off.</summary>
    public string? AttentionKernel { get; init; }

    /// <summary>Whether the backbone's blocks were recomputed in the backward (activation checkpointing; training steps).</summary>
    public bool ActivationCheckpointing { get; init; }

    /// <summary>Examples per step.</summary>
    public required int Batch { get; init; }

    /// <summary>Input tokens per example (without the prompt).</summary>
    public required int Seq { get; init; }

    /// <summary>Label tokens (training) or maximum new tokens (generation).</summary>
    public required int Target { get; init; }

    /// <summary>Prompt length l.</summary>
    public required int Prompt { get; init; }

    /// <summary>Encoder positions per example, prompt + seq.</summary>
    public required int EncoderLen { get; init; }

    /// <summary>libtorch intra-op threads.</summary>
    public required int Threads { get; init; }

    /// <summary>Measured steps.</summary>
    public required int Steps { get; init; }

    /// <summary>Unmeasured warm-up steps.</summary>
    public required int Warmup { get; init; }

    /// <summary>Median time of one step (generation: one batch).</summary>
    [JsonPropertyName("ms_per_step_median")] public required double MsPerStepMedian { get; init; }

    /// <summary>Fastest measured step.</summary>
    [JsonPropertyName("ms_min")] public required double MsMin { get; init; }

    /// <summary>Slowest measured step.</summary>
    [JsonPropertyName("ms_max")] public required double MsMax { get; init; }

    /// <summary>
    /// Training: input tokens per second, batch × seq / median step time (prompt positions not counted, so numbers
    /// stay comparable across prompt lengths). Generation: generated tokens per second.
    /// </summary>
    [JsonPropertyName("tokens_per_s")] public required double TokensPerS { get; init; }

    /// <summary>Examples per second, batch / median step time.</summary>
    [JsonPropertyName("examples_per_s")] public required double ExamplesPerS { get; init; }

    /// <summary>Peak resident memory of the process (VmHWM), MiB; null off Linux.</summary>
    [JsonPropertyName("peak_rss_mb")] public double? PeakRssMb { get; init; }

    /// <summary>Median milliseconds of each phase of a step (e.g. forward, backward, optimizer).</summary>
    [JsonPropertyName("phase_ms_median")] public IReadOnlyDictionary<string, double>? PhaseMsMedian { get; init; }

    /// <summary>Loss of the first measured step (a sanity check that the step computed something finite).</summary>
    public double? LossFirst { get; init; }

    /// <summary>Generation: decoding steps run per batch, averaged over the measured batches (at most --target; fewer
    /// when every row has produced eos). Each step generates one token for every row.</summary>
    public double? GeneratedTokensMean { get; init; }

    /// <summary>Distillation step: whether the teacher targets came from the teacher-output cache (null elsewhere).</summary>
    public bool? CacheTeachers { get; init; }

    /// <summary>Distillation step with the cache: bytes the cache holds per example (teacher tensors + key).</summary>
    public double? TeacherCacheBytesPerExample { get; init; }

    /// <summary>Distillation step: the hidden-state dropout choice, clean_student_pass or one_sided (null elsewhere).</summary>
    public string? HiddenStateDropout { get; init; }

    /// <summary>Rank classification: label strings each example was scored against (null elsewhere).</summary>
    public int? Candidates { get; init; }

    /// <summary>Rank classification: whether the encoder output was reused across candidates (null elsewhere).</summary>
    public bool? ReuseEncoderOutput { get; init; }

    /// <summary>Training step: GEMM work of one step in GFLOP, forward + backward to the prompt (<see cref="T5StepFlops"/>).</summary>
    [JsonPropertyName("gflop_per_step")] public double? GflopPerStep { get; init; }

    /// <summary>Training step: <see cref="GflopPerStep"/> over the median step time.</summary>
    [JsonPropertyName("gflop_per_s")] public double? GflopPerS { get; init; }

    /// <summary>Training step: the rate of the step's dominant GEMM alone, measured in the same process with the same
    /// threads and dtype (<see cref="Numerics.GemmRate"/>, the median of its timed rounds).</summary>
    [JsonPropertyName("gemm_gflop_per_s")] public double? GemmGflopPerS { get; init; }

    /// <summary>Training step: the quartiles of the GEMM rate over the probe's timed rounds, [lower, upper].</summary>
    [JsonPropertyName("gemm_gflop_per_s_iqr")] public IReadOnlyList<double>? GemmGflopPerSIqr { get; init; }

    /// <summary>Training step: the slowest and fastest round of the GEMM probe, [min, max].</summary>
    [JsonPropertyName("gemm_gflop_per_s_range")] public IReadOnlyList<double>? GemmGflopPerSRange { get; init; }

    /// <summary>Training step: <see cref="GflopPerS"/> / <see cref="GemmGflopPerS"/>.</summary>
    [JsonPropertyName("fraction_of_gemm_peak")] public double? FractionOfGemmPeak { get; init; }

    /// <summary>bfloat16 training step: the float32 rate of the same GEMM, probed alongside (null for a float32 step,
    /// whose <see cref="GemmGflopPerS"/> is already the float32 rate).</summary>
    [JsonPropertyName("gemm_fp32_gflop_per_s")] public double? GemmFp32GflopPerS { get; init; }

    /// <summary>bfloat16 training step: <see cref="GflopPerS"/> / <see cref="GemmFp32GflopPerS"/>.</summary>
    [JsonPropertyName("fraction_of_fp32_gemm_peak")] public double? FractionOfFp32GemmPeak { get; init; }

    /// <summary>Backbone parameters (frozen).</summary>
    public required long BackboneParameters { get; init; }

    /// <summary>Trainable prompt parameters.</summary>
    public required long TrainableParameters { get; init; }

    /// <summary>1-minute load average when the run ended (the machine may be shared); null off Linux.</summary>
    [JsonPropertyName("loadavg_1m")] public double? Loadavg1m { get; init; }

    /// <summary>MPI ranks sharing each step (data parallelism under a launcher, docs/distributed.md); null for one process.</summary>
    public int? Ranks { get; init; }

    /// <summary>The result as one JSON line.</summary>
    public string ToJsonLine() => JsonSerializer.Serialize(this, Json);
}
