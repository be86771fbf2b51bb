using System.Text.Json.Serialization;
using Mpt.Serialization;
using Mpt.Training;

namespace Mpt.Pipeline;

/// <summary>
/// Training-loop settings of one stage (the <c>loop</c> object of <c>teachers</c>, <c>distill</c> and <c>adapt</c>);
/// maps onto <see cref="TrainingLoopOptions"/>. Null epochs take the stage's paper default (docs/method.md §3).
/// </summary>
public sealed record LoopConfig
{
    /// <summary>Passes over the training data; null = the stage default (teachers 20, distillation 5, targets 20).</summary>
    public double? Epochs { get; init; }

    /// <summary>Optimizer updates; overrides epochs when set.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Examples per batch (paper, T5-Base: 32).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// Length-grouped batches: batches per length-sorted mega-batch of each epoch's shuffle (HF Trainer's
    /// <c>group_by_length</c>, factor 50); 0 (default) = off, the paper's plain random order
    /// (<see cref="TrainingLoopOptions.LengthGroupFactor"/>).
    /// </summary>
    /// <remarks>Not written while 0, so the settings recorded by runs made before this key existed still match on --resume;
    /// a run made with grouping records it, and is not reused without it.</remarks>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int LengthGroupFactor { get; init; }

    /// <summary>Longest encoder input in tokens (paper: 256).</summary>
    public int MaxSourceLength { get; init; } = 256;

    /// <summary>Linear warm-up steps (ATTEMPT: 500), capped by <see cref="MaxWarmupFraction"/>.</summary>
    public int WarmupSteps { get; init; } = LinearWarmupSchedule.DefaultWarmupSteps;

    /// <summary>
    /// Cap of the warm-up as a fraction of the run (default 0.1; at least one step): a short run still reaches its nominal
    /// learning rate (<see cref="TrainingLoopOptions.MaxWarmupFraction"/>). Null = no cap; a warm-up not shorter than the
    /// run is then refused.
    /// </summary>
    /// <remarks>Left out of <c>pipeline_settings.json</c> while null (no cap), the schedule of runs made before the key existed.</remarks>
    [LegacyValue(null!)]
    public double? MaxWarmupFraction { get; init; } = WarmupPlan.DefaultMaxWarmupFraction;

    /// <summary>AdamW weight decay (ATTEMPT: 1e-5).</summary>
    public double WeightDecay { get; init; } = 1e-5;

    /// <summary>Gradient-norm clip; null = none (default 1.0, HF Trainer's).</summary>
    public double? MaxGradNorm { get; init; } = 1.0;

    /// <summary>Backbone dropout while training (HF/PEFT train mode).</summary>
    public bool BackboneDropout { get; init; } = true;

    /// <summary>Dev evaluation every N steps (and at the last step); 0 = last step only.</summary>
    public int EvalEverySteps { get; init; }

    /// <summary>Resumable checkpoint every N steps (and at the last); Ctrl+C checkpoints the current step and stops.</summary>
    public int CheckpointEverySteps { get; init; } = 50;

    /// <summary>A metrics line every N steps (and at evaluation steps and the last step).</summary>
    public int LogEverySteps { get; init; } = 10;

    /// <summary>Seed of data order, task sampling, dropout and prompt init (target runs use each of adapt.seeds instead).</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Checks the values.</summary>
    public void Validate(string path)
    {
        if (Epochs is double e) ConfigChecks.Positive($"{path}.epochs", e);
        if (MaxSteps is long s) ConfigChecks.AtLeast($"{path}.max_steps", s, 1);
        ConfigChecks.AtLeast($"{path}.batch_size", BatchSize, 1);
        ConfigChecks.AtLeast($"{path}.length_group_factor", LengthGroupFactor, 0);
        ConfigChecks.AtLeast($"{path}.max_source_length", MaxSourceLength, 2);
        ConfigChecks.AtLeast($"{path}.warmup_steps", WarmupSteps, 0);
        if (MaxWarmupFraction is double f && !(f > 0 && f <= 1))
            throw new ConfigException($"{path}.max_warmup_fraction must be in (0, 1] or null (no cap), got {f}.");
        ConfigChecks.AtLeast($"{path}.weight_decay", WeightDecay, 0);
        if (MaxGradNorm is double g) ConfigChecks.Positive($"{path}.max_grad_norm", g);
        ConfigChecks.AtLeast($"{path}.eval_every_steps", EvalEverySteps, 0);
        ConfigChecks.AtLeast($"{path}.checkpoint_every_steps", CheckpointEverySteps, 1);
        ConfigChecks.AtLeast($"{path}.log_every_steps", LogEverySteps, 1);
    }

    /// <summary>
    /// The library options. The loop reports every step (LogEverySteps 1) so progress bars move; the metrics file keeps
    /// every <see cref="LogEverySteps"/>-th. The value is fixed so that a resumed run has the same stored options.
    /// </summary>
    public TrainingLoopOptions ToOptions(double defaultEpochs, ulong? seed = null) => new()
    {
        Epochs = Epochs ?? defaultEpochs,
        MaxSteps = MaxSteps,
        BatchSize = BatchSize,
        LengthGroupFactor = LengthGroupFactor,
        MaxSourceLength = MaxSourceLength,
        WarmupSteps = WarmupSteps,
        MaxWarmupFraction = MaxWarmupFraction,
        WeightDecay = WeightDecay,
        MaxGradNorm = MaxGradNorm,
        BackboneDropout = BackboneDropout,
        EvalEverySteps = EvalEverySteps,
        KeepBest = true,
        CheckpointEverySteps = CheckpointEverySteps,
        LogEverySteps = 1,
        Seed = seed ?? Seed,
    };
}
