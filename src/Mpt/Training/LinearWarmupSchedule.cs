namespace Mpt.Training;

/// <summary>
/// Linear warm-up then linear decay to zero, as HF <c>get_linear_schedule_with_warmup</c> (used by ATTEMPT's Trainer with
/// 500 warm-up steps, the recipe MPT's baselines follow; docs/method.md §3). A pure function of the step.
/// </summary>
public static class LinearWarmupSchedule
{
    /// <summary>ATTEMPT's warm-up (configs/baselines/prompt_tuning.json).</summary>
    public const int DefaultWarmupSteps = 500;

    /// <summary>
    /// The factor applied to the base learning rate for the optimizer update that follows <paramref name="step"/>
    /// completed updates (HF's LambdaLR counts the same way, so the first update uses factor 0 when warming up):
    /// step / warmup while step &lt; warmup, then max(0, (total − step) / (total − warmup)).
    /// </summary>
    /// <param name="step">Optimizer updates done so far (≥ 0).</param>
    /// <param name="totalSteps">Total number of updates; the factor reaches 0 here.</param>
    /// <param name="warmupSteps">Warm-up length (default 500).</param>
    public static double Multiplier(long step, long totalSteps, long warmupSteps = DefaultWarmupSteps)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), $"step must be non-negative, got {step}.");
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), $"total steps must be positive, got {totalSteps}.");
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), $"warm-up steps must be non-negative, got {warmupSteps}.");
        if (step < warmupSteps) return (double)step / Math.Max(1, warmupSteps);
        return Math.Max(0.0, (double)(totalSteps - step) / Math.Max(1, totalSteps - warmupSteps));
    }
}
