namespace Mpt.Training;

/// <summary>
/// Learning rates of the two prompt parameter groups (<see cref="Mpt.Prompts.PromptParameterGroupNames"/>). A null rate
/// freezes that group (the paper's target ablations: "only P*" 62.5 vs "only u, v" 71.3 vs both 74.1, §4.3).
/// </summary>
public sealed record PromptLearningRates
{
    /// <summary>Learning rate of the shared prompt P* (or the whole plain prompt); null = frozen.</summary>
    public double? Shared { get; init; } = 0.3;

    /// <summary>Learning rate of the task-specific u, v; null = frozen.</summary>
    public double? TaskSpecific { get; init; } = 0.4;

    /// <summary>Source training and teachers: 0.3 for every prompt parameter (paper App. A).</summary>
    public static PromptLearningRates SourceTraining => new() { Shared = 0.3, TaskSpecific = 0.3 };

    /// <summary>Target adaptation, "two-speed": 0.3 for P*, 0.4 for u, v (paper §4.1).</summary>
    public static PromptLearningRates TargetAdaptation => new() { Shared = 0.3, TaskSpecific = 0.4 };

    /// <summary>The rate of a group by name, or null when frozen.</summary>
    /// <exception cref="ArgumentException">Unknown group name.</exception>
    public double? For(string groupName) => groupName switch
    {
        Mpt.Prompts.PromptParameterGroupNames.Shared => Shared,
        Mpt.Prompts.PromptParameterGroupNames.TaskSpecific => TaskSpecific,
        _ => throw new ArgumentException($"no learning rate for prompt parameter group '{groupName}'.", nameof(groupName)),
    };
}
