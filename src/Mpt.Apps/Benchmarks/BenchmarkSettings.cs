using System.Text.Json;
using Mpt.Model;
using Mpt.Training;

namespace Mpt.Benchmarks;

/// <summary>
/// What one benchmark run measures. Flag names in messages are the <c>mpt bench</c> flags, so a validation error tells
/// the user exactly which flag to change.
/// </summary>
public sealed record BenchmarkSettings
{
    /// <summary>Model shape name (<see cref="BenchmarkShapes"/>).</summary>
    public string Shape { get; init; } = "t5-small";

    /// <summary>Examples per step.</summary>
    public int Batch { get; init; } = 8;

    /// <summary>Input tokens per example, without the prompt: the encoder sees <see cref="Prompt"/> + Seq positions.</summary>
    public int Seq { get; init; } = 128;

    /// <summary>Label tokens per example (training steps), or the maximum of new tokens (generation).</summary>
    public int Target { get; init; } = 4;

    /// <summary>Prompt length l (virtual tokens prepended to the encoder input).</summary>
    public int Prompt { get; init; } = 100;

    /// <summary>Measured steps; the reported times are over these.</summary>
    public int Steps { get; init; } = 6;

    /// <summary>Unmeasured steps first (allocator, oneDNN kernel selection and optimizer state warm up).</summary>
    public int Warmup { get; init; } = 2;

    /// <summary>libtorch intra-op threads (process-global).</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Run the frozen backbone in bfloat16 (prompt parameters and optimizer state stay float32).</summary>
    public bool BFloat16 { get; init; }

    /// <summary>
    /// Backbone dropout during training steps (config dropout_rate, 0.1 for T5): on by default, as in HF/PEFT prompt
    /// tuning, where model.train() enables it. Off runs the frozen backbone in eval mode while the prompt still trains —
    /// a valid training setup, and the way to measure what dropout costs (libtorch's CPU bernoulli is a serial kernel).
    /// </summary>
    public bool Dropout { get; init; } = true;

    /// <summary>
    /// How the backbone draws its dropout masks when <see cref="Dropout"/> is on (<c>--dropout-kernel</c>):
    /// <see cref="DropoutKernel.Exact"/> (libtorch's <c>F.dropout</c>, default) or <see cref="DropoutKernel.ParallelChunks"/>.
    /// </summary>
    public DropoutKernel DropoutKernel { get; init; } = DropoutKernel.Exact;

    /// <summary>
    /// How the backbone computes attention (<c>--attention</c>): <see cref="AttentionKernel.Fused"/> (default, used
    /// where attention dropout is off) or <see cref="AttentionKernel.Math"/> (HF's explicit form everywhere).
    /// </summary>
    public AttentionKernel AttentionKernel { get; init; } = AttentionKernel.Fused;

    /// <summary>
    /// Training steps (<c>--activation-checkpointing</c>): recompute the backbone's blocks in the backward instead of
    /// keeping their activations (<see cref="T5ForConditionalGeneration.ActivationCheckpointing"/>); off by default.
    /// </summary>
    public bool ActivationCheckpointing { get; init; }

    /// <summary>Number of tasks of the student <c>MultitaskPrompt</c> (distillation step only).</summary>
    public int Tasks { get; init; } = 4;

    /// <summary>Rank r of the task factors (distillation step only).</summary>
    public int Rank { get; init; } = 1;

    /// <summary>
    /// Distillation step only: serve the teacher targets from a <see cref="Mpt.Training.TeacherOutputCache"/> filled
    /// before the measured steps, i.e. measure a step of the second or later epoch, where every example hits.
    /// </summary>
    public bool CacheTeachers { get; init; }

    /// <summary>
    /// Distillation step only (<c>--hidden-state-dropout</c>): which student hidden states the hidden loss compares while
    /// dropout is on; default the library's (<see cref="DistillationOptions.HiddenStateDropout"/>).
    /// </summary>
    public HiddenStateDropout HiddenStateDropout { get; init; } = new DistillationOptions().HiddenStateDropout;

    /// <summary>
    /// Distillation benchmarks: the teachers are the student's prompt init plus N(0, σ²) noise with this σ (default 0.1);
    /// larger puts the student further from its teachers (<c>--teacher-noise</c> of <c>teacher-cache</c>).
    /// </summary>
    public double TeacherNoise { get; init; } = 0.1;

    /// <summary>The flag and result spelling of <paramref name="choice"/>: snake_case, as the config key
    /// <c>distill.hidden_state_dropout</c> spells it.</summary>
    public static string HiddenStateDropoutName(HiddenStateDropout choice) => JsonNamingPolicy.SnakeCaseLower.ConvertName(choice.ToString());

    /// <summary>Rank classification only: label strings each example is scored against (MNLI has 3).</summary>
    public int Candidates { get; init; } = 3;

    /// <summary>
    /// Rank classification only: encode each batch once and reuse the encoder output for every candidate (default, what
    /// the evaluator does); off runs the whole model once per candidate, the straightforward way, for comparison.
    /// </summary>
    public bool ReuseEncoderOutput { get; init; } = true;

    /// <summary>Seed for the random weights, prompts and token ids.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Encoder positions per example: prompt + input tokens.</summary>
    public int EncoderLength => Prompt + Seq;

    /// <summary>"bfloat16" or "float32", as printed in results.</summary>
    public string DTypeName => BFloat16 ? "bfloat16" : "float32";

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentException">A value is out of range or the shape is unknown; the message names the flag.</exception>
    public void Validate()
    {
        if (!BenchmarkShapes.Contains(Shape))
            throw new ArgumentException($"--shape: unknown model shape '{Shape}' (known: {string.Join(", ", BenchmarkShapes.Names)}).");
        AtLeast("--batch", Batch, 1);
        AtLeast("--seq", Seq, 1);
        AtLeast("--target", Target, 1);
        AtLeast("--prompt", Prompt, 1);
        AtLeast("--steps", Steps, 1);
        AtLeast("--warmup", Warmup, 0);
        AtLeast("--threads", Threads, 1);
        AtLeast("--tasks", Tasks, 1);
        AtLeast("--rank", Rank, 1);
        AtLeast("--candidates", Candidates, 1);
        if (!(TeacherNoise >= 0)) throw new ArgumentException($"--teacher-noise must be at least 0, got {TeacherNoise}.");
    }

    private static void AtLeast(string flag, int value, int min)
    {
        if (value < min) throw new ArgumentException($"{flag} must be at least {min}, got {value}.");
    }
}
