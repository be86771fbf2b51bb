using Mpt.Training;

namespace Mpt;

/// <summary>
/// Settings of <see cref="PromptTuner"/>: the prompt, the optimisation of each stage, and the process-wide torch settings
/// a call may change. Defaults suit a few hundred labelled examples on a small model (the quickstart's few-shot setting:
/// l = 10, a few dozen updates per stage); the paper's T5-Base recipe (l = 100, 20 epochs, batch 32) is a matter of
/// raising them.
/// </summary>
public sealed record PromptTunerOptions
{
    /// <summary>Prompt length l: the number of trained vectors in front of every input (paper: 100; quickstart: 10).</summary>
    public int PromptLength { get; init; } = 10;

    /// <summary>Optimizer updates of a plain prompt and of the target stage of MPT.</summary>
    public int Steps { get; init; } = 60;

    /// <summary>Optimizer updates of each source task's teacher prompt (MPT only, paper §3.1).</summary>
    public int TeacherSteps { get; init; } = 40;

    /// <summary>Optimizer updates of the distillation into the multitask prompt (MPT only, paper Eq. 5).</summary>
    public int DistillSteps { get; init; } = 60;

    /// <summary>Examples per batch.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Learning rate of a plain prompt and of the shared prompt P* (paper: 0.3).</summary>
    public double LearningRate { get; init; } = 0.3;

    /// <summary>Learning rate of the task vectors u, v in the target stage of MPT (paper: 0.4).</summary>
    public double TaskVectorLearningRate { get; init; } = 0.4;

    /// <summary>λ of the distillation loss (paper Eq. 5: 0.9).</summary>
    public double Lambda { get; init; } = DistillationLosses.DefaultLambda;

    /// <summary>Longest input in tokens (longer inputs are cut).</summary>
    public int MaxInputLength { get; init; } = 128;

    /// <summary>
    /// Keep the frozen model's dropout on while training (HF/PEFT prompt tuning does; default false: deterministic
    /// forward passes, which converge faster on few examples).
    /// </summary>
    public bool BackboneDropout { get; init; }

    /// <summary>
    /// Seed of the prompt initialisation, the data order and torch's CPU generator (dropout). Stage i of a call uses
    /// <c>Seed + i</c>, so two calls with the same options and data train the same prompt.
    /// </summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>
    /// Torch intra-op threads for the duration of a call (the process-wide setting is restored afterwards); null leaves
    /// the current setting alone.
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>
    /// Whether the prompt a target stage starts from (plain prompt tuning's vocabulary init, MPT's transferred prompt)
    /// is a checkpoint candidate: it is scored on the validation examples before the first update and kept when no
    /// update beats it (<see cref="TrainingLoopOptions.SelectStepZero"/>, as <c>mpt run</c>'s <c>adapt.select_step_zero</c>).
    /// Needs validation examples. Null (default): on for few-shot-sized training data, at most
    /// <see cref="FewShotExamplesPerLabel"/> examples per label, where a few updates can make a transferred prompt worse.
    /// </summary>
    public bool? SelectStepZero { get; init; }

    /// <summary>Most training examples per label that count as few-shot for <see cref="SelectStepZero"/>'s default (the paper's largest few-shot setting, k = 32).</summary>
    public const int FewShotExamplesPerLabel = 32;

    /// <summary><see cref="SelectStepZero"/> with its default resolved for <paramref name="task"/>.</summary>
    internal bool SelectsStepZero(LabelledTask task) =>
        SelectStepZero ?? task.Examples.Count <= FewShotExamplesPerLabel * task.Labels.Count;

    /// <summary>Checks every value; throws one message naming the option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range (the option is named).</exception>
    public void Validate()
    {
        static void Positive(string name, double value)
        {
            if (!(value > 0)) throw new ArgumentOutOfRangeException(name, value, $"{nameof(PromptTunerOptions)}.{name} must be positive, got {value}.");
        }
        Positive(nameof(PromptLength), PromptLength);
        Positive(nameof(Steps), Steps);
        Positive(nameof(TeacherSteps), TeacherSteps);
        Positive(nameof(DistillSteps), DistillSteps);
        Positive(nameof(BatchSize), BatchSize);
        Positive(nameof(LearningRate), LearningRate);
        Positive(nameof(TaskVectorLearningRate), TaskVectorLearningRate);
        Positive(nameof(MaxInputLength), MaxInputLength);
        if (!(Lambda >= 0)) throw new ArgumentOutOfRangeException(nameof(Lambda), Lambda, $"{nameof(PromptTunerOptions)}.{nameof(Lambda)} must be >= 0, got {Lambda}.");
        if (Threads is { } t && t <= 0) throw new ArgumentOutOfRangeException(nameof(Threads), t, $"{nameof(PromptTunerOptions)}.{nameof(Threads)} must be positive or null, got {t}.");
    }

    /// <summary>The loop of one stage: <paramref name="steps"/> updates, a tenth of them warm-up, no run folder.</summary>
    internal TrainingLoopOptions Loop(int steps, ulong seed, bool evaluate) => new()
    {
        MaxSteps = steps,
        BatchSize = BatchSize,
        MaxSourceLength = MaxInputLength,
        // A tenth of the run, as a short run cannot afford ATTEMPT's 500 warm-up steps (the quickstart's rule).
        WarmupSteps = Math.Max(1, steps / 10),
        BackboneDropout = BackboneDropout,
        EvalEverySteps = evaluate ? Math.Max(1, steps / 4) : 0,
        KeepBest = true,
        LogEverySteps = Math.Max(1, steps / 20),
        Seed = seed,
    };
}
