using System.Text.Json.Serialization;
using Mpt.Serialization;

namespace Mpt.Training;

/// <summary>
/// Settings shared by every training stage (teachers, distillation, target adaptation). Defaults are the paper's T5-Base
/// recipe where it gives one and ATTEMPT's HF Trainer recipe where it does not (docs/method.md §3, §7).
/// </summary>
public sealed record TrainingLoopOptions
{
    /// <summary>Passes over the training examples (used when <see cref="MaxSteps"/> is null). Paper: teachers and small
    /// targets 20, large targets 10, source training 5.</summary>
    public double Epochs { get; init; } = 20;

    /// <summary>Number of optimizer updates; overrides <see cref="Epochs"/> when set.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Examples per batch (paper: 32 for T5-Base).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// Length-grouped batches (HF Trainer's <c>group_by_length</c>, see <see cref="LengthGrouping"/>): each epoch's shuffle
    /// is cut into mega-batches of this many batches, each sorted by input length, so batches pad less. 0 (default) = off:
    /// the plain random order of HF Trainer's sampler, as the paper trained; HF's factor is
    /// <see cref="LengthGrouping.DefaultFactor"/>. Changes which examples share a batch, not which are seen per epoch.
    /// </summary>
    /// <remarks>Left out of the stored stage options while 0, so run folders made before the setting existed still resume.</remarks>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int LengthGroupFactor { get; init; }

    /// <summary>Longest encoder input in tokens (paper: 256; MultiRC 348; MRQA 512).</summary>
    public int MaxSourceLength { get; init; } = BatchCollator.DefaultMaxSourceLength;

    /// <summary>
    /// Linear warm-up steps (ATTEMPT: 500), then linear decay to 0 at the last step; capped by
    /// <see cref="MaxWarmupFraction"/> (the warm-up a run uses is <see cref="Warmup"/>).
    /// </summary>
    public int WarmupSteps { get; init; } = LinearWarmupSchedule.DefaultWarmupSteps;

    /// <summary>
    /// The warm-up is at most this fraction of the run (at least one step): default 0.1, so runs of 5000 steps or more
    /// keep <see cref="WarmupSteps"/> and a short run still reaches its nominal rate (<see cref="WarmupPlan"/>). Null = no
    /// cap: ATTEMPT's fixed warm-up, and a warm-up not shorter than the run is refused.
    /// </summary>
    /// <remarks>Left out of the stored stage options while null (no cap), the schedule of runs made before the option existed.</remarks>
    [LegacyValue(null!)]
    public double? MaxWarmupFraction { get; init; } = WarmupPlan.DefaultMaxWarmupFraction;

    /// <summary>AdamW decoupled weight decay (ATTEMPT: 1e-5).</summary>
    public double WeightDecay { get; init; } = PromptOptimizer.DefaultWeightDecay;

    /// <summary>
    /// Clip the global gradient norm of the prompt parameters to this value; null = no clipping. Default 1.0: HF
    /// Trainer's <c>max_grad_norm</c> default, which ATTEMPT's runs (the paper's baseline code) used implicitly; the
    /// paper does not mention clipping (docs/method.md §7, decision 15).
    /// </summary>
    public double? MaxGradNorm { get; init; } = 1.0;

    /// <summary>
    /// Keep the frozen backbone's dropout active while training (default true: HF/PEFT prompt tuning trains the model in
    /// train mode, so the T5 config's dropout_rate applies; the paper does not say, docs/method.md §7, decision 16). False runs
    /// the backbone in eval mode (deterministic forward passes, faster convergence on tiny models).
    /// </summary>
    public bool BackboneDropout { get; init; } = true;

    /// <summary>Evaluate on dev every this many steps (and at the last step); 0 = only at the last step.</summary>
    public int EvalEverySteps { get; init; }

    /// <summary>
    /// Keep the prompt with the best dev score and restore it at the end (ATTEMPT keeps the best dev checkpoint; the paper
    /// does not say, docs/method.md §7, decision 26). Without an evaluator the last prompt is kept.
    /// </summary>
    public bool KeepBest { get; init; } = true;

    /// <summary>Write a resumable checkpoint every this many steps (and at the last step); 0 = only at the last step.</summary>
    public int CheckpointEverySteps { get; init; }

    /// <summary>Report a log entry every this many steps (and at the last step).</summary>
    public int LogEverySteps { get; init; } = 50;

    /// <summary>Seed of the data order, the task sampler and torch's CPU generator (dropout).</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>The warm-up of a run of <paramref name="totalSteps"/> updates under these options.</summary>
    /// <exception cref="ArgumentException">No cap and a warm-up not shorter than the run.</exception>
    public WarmupPlan Warmup(long totalSteps) => WarmupPlan.For(totalSteps, WarmupSteps, MaxWarmupFraction);

    /// <summary>Number of optimizer updates for <paramref name="exampleCount"/> training examples.</summary>
    public long TotalSteps(long exampleCount)
    {
        if (MaxSteps is { } max)
        {
            if (max <= 0) throw new ArgumentOutOfRangeException(nameof(MaxSteps), $"MaxSteps must be positive, got {max}.");
            return max;
        }
        if (!(Epochs > 0)) throw new ArgumentOutOfRangeException(nameof(Epochs), $"Epochs must be positive, got {Epochs}.");
        return Math.Max(1, (long)Math.Ceiling(Epochs * exampleCount / BatchSize));
    }

    /// <summary>
    /// Score the initial prompt on dev before the first update and let it win checkpoint selection (ties keep step 0):
    /// a transferred prompt can be best before any few-shot update. Needs an evaluation; applies to fresh runs (a resumed
    /// run restores the best step from its checkpoint).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool SelectStepZero { get; init; } // written only when on, so run folders started before the option still resume
}
