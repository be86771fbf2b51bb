namespace Mpt.Data;

/// <summary>How splits are derived. Defaults reproduce ATTEMPT's <c>get(split, split_validation_test=True)</c>.</summary>
public sealed record SplitOptions
{
    /// <summary>The reference settings (seed 42).</summary>
    public static SplitOptions Default { get; } = new();

    /// <summary>Seed of the permutation (ATTEMPT <c>data_seed</c>, default 42).</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Examples the large-task rule moves from train to validation (ATTEMPT: 1000).</summary>
    public int LargeValidationSize { get; init; } = 1000;

    /// <summary>Apply <see cref="Tasks.TaskDefinition.MaxTrainExamples"/> to train when no explicit cap is given (Yelp 100k, paper App. A).</summary>
    public bool ApplyTrainCaps { get; init; } = true;

    /// <summary>
    /// Fix the SciTail quirk: ATTEMPT lists scitail among the small tasks, so its public test split is never used
    /// and validation / test are halves of its validation split. True uses SciTail's own train / validation / test.
    /// </summary>
    public bool ScitailUsePublicTest { get; init; }
}
