namespace Mpt.Training;

/// <summary>
/// MPT target adaptation (paper §3.2, §4.1): task loss only, two learning rates (0.3 for P*, 0.4 for u, v), 20 epochs
/// for small targets (10 above 10k examples, 5 for MRQA), batch 32, max input 256.
/// </summary>
public sealed record TargetAdaptationOptions
{
    /// <summary>
    /// Learning rates; a null rate freezes that group — the paper's ablations "update only P*"
    /// (<see cref="AdaptationRates.OnlySharedPrompt"/>) and "update only u and v" (<see cref="AdaptationRates.OnlyTaskVectors"/>).
    /// A plain prompt (PT, SPoT) trains with the Shared rate.
    /// </summary>
    public PromptLearningRates Rates { get; init; } = PromptLearningRates.TargetAdaptation;

    /// <summary>Loop settings.</summary>
    public TrainingLoopOptions Loop { get; init; } = new() { Epochs = 20 };
}

/// <summary>Learning-rate presets of target adaptation and its ablations (paper §4.3, SuperGLUE: 62.5 / 71.3 / 74.1).</summary>
public static class AdaptationRates
{
    /// <summary>Both groups, two-speed: the paper's method.</summary>
    public static PromptLearningRates Both => PromptLearningRates.TargetAdaptation;

    /// <summary>Ablation: only the shared prompt P* trains (u, v frozen at the source average).</summary>
    public static PromptLearningRates OnlySharedPrompt => new() { Shared = 0.3, TaskSpecific = null };

    /// <summary>Ablation: only u, v train (P* frozen at the source values).</summary>
    public static PromptLearningRates OnlyTaskVectors => new() { Shared = null, TaskSpecific = 0.4 };

    /// <summary>Plain prompt tuning (PT and SPoT baselines): lr 0.3 for the single prompt.</summary>
    public static PromptLearningRates PromptTuning => new() { Shared = 0.3, TaskSpecific = null };
}
