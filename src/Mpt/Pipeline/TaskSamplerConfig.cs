using Mpt.Training;

namespace Mpt.Pipeline;

/// <summary>
/// The task sampler of source training (section <c>distill.sampler</c>; paper §3.2 "randomly select a number K from
/// [2, κ] first, then randomly choose K tasks"): the choices the paper leaves open, with Mpt's defaults
/// (docs/decisions.md row 13). The "w/o stochastic task sampling" ablation is <c>distill.stochastic_task_sampling</c>.
/// </summary>
public sealed record TaskSamplerConfig
{
    /// <summary>How a batch is divided among the K drawn tasks: proportional (default) or equal.</summary>
    public TaskBatchSplit BatchSplit { get; init; } = TaskBatchSplit.Proportional;

    /// <summary>Draw the K tasks with replacement (default false: K distinct tasks).</summary>
    public bool WithReplacement { get; init; }

    /// <summary>Cap on a task's size in the mixing rates, rate ∝ min(n, cap) (Raffel et al. 2020); null = uncapped.</summary>
    public long? SizeCap { get; init; }

    /// <summary>κ, the most tasks in one batch; null = all sources (the paper's κ = |S|).</summary>
    public int? MaxTasksPerBatch { get; init; }

    /// <summary>Checks the section against the number of sources and the batch size (K tasks need K examples at least).</summary>
    public void Validate(string path, int sourceCount, int batchSize, bool stochastic)
    {
        if (!Enum.IsDefined(BatchSplit)) throw new ConfigException($"{path}.batch_split: unknown value {BatchSplit}.");
        if (SizeCap is long cap) ConfigChecks.AtLeast($"{path}.size_cap", cap, 1);
        if (MaxTasksPerBatch is int k) ConfigChecks.AtLeast($"{path}.max_tasks_per_batch", k, 2);
        if (!stochastic || sourceCount == 0) return;
        int kappa = MaxTasksPerBatch ?? sourceCount;
        if (sourceCount < 2)
            throw new ConfigException($"stochastic task sampling draws K from [2, κ] and needs at least 2 sources, got {sourceCount}; add a source or set distill.stochastic_task_sampling to false.");
        if (!WithReplacement && kappa > sourceCount)
            throw new ConfigException($"{path}.max_tasks_per_batch ({kappa}) exceeds the {sourceCount} sources, which drawing without replacement cannot pick; lower it or set {path}.with_replacement to true.");
        if (batchSize < kappa)
            throw new ConfigException($"distill.loop.batch_size ({batchSize}) is smaller than κ = {kappa} ({path}.max_tasks_per_batch, default the number of sources): some drawn tasks would get no example.");
    }
}
