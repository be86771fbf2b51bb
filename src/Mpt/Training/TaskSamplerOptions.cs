namespace Mpt.Training;

/// <summary>Settings of <see cref="TaskSampler"/> (MPT source training, paper §3.2 and App. A).</summary>
public sealed record TaskSamplerOptions
{
    /// <summary>Examples per batch (paper: 32 for T5-Base).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>κ, the largest number of tasks in one batch; K is drawn from U{2..κ}. Null = all tasks (the paper's κ = |S|).</summary>
    public int? MaxTasksPerBatch { get; init; }

    /// <summary>
    /// Cap on a task's size in the examples-proportional mixing rates, rate_k ∝ min(n_k, cap) (Raffel et al. 2020).
    /// Null (default) = uncapped: the paper names examples-proportional mixing without a cap (docs/method.md §2.5; an
    /// unattributed implementation uses 2^18).
    /// </summary>
    public long? SizeCap { get; init; }

    /// <summary>
    /// Draw the K tasks with replacement (a task can fill several of the K shares). Default false: "randomly choose K
    /// tasks from S" reads as K distinct tasks, and only then is the number of tasks in a batch really uniform on
    /// {2..κ}; with replacement (the unattributed <c>CustomStochTaskDataset</c>) a batch often holds fewer than K tasks.
    /// </summary>
    public bool WithReplacement { get; init; }

    /// <summary>
    /// How a batch is divided among the K drawn tasks (default <see cref="TaskBatchSplit.Proportional"/>; the paper does
    /// not say). Only used with <see cref="StochasticTaskSampling"/>.
    /// </summary>
    public TaskBatchSplit BatchSplit { get; init; } = TaskBatchSplit.Proportional;

    /// <summary>
    /// Stochastic task sampling (default true). False is the paper's ablation "without stochastic task sampling"
    /// (§4.3): plain examples-proportional mixing, every example's task drawn independently from the mixing rates.
    /// </summary>
    public bool StochasticTaskSampling { get; init; } = true;
}
