namespace Mpt.Prompts;

/// <summary>
/// Closed-form trainable-parameter counts of the prompt methods (Wang et al. 2023 §3.2 and Table 1; docs/method.md §2.9), to
/// report and to check a module's actual count (<see cref="PromptEncoder.TrainableParameterCount"/>) against.
/// </summary>
public static class PromptParameterCount
{
    /// <summary>Plain prompt tuning: l·d (T5-Base, l = 100: 76,800, the paper's "76.8K").</summary>
    public static long SoftPrompt(long l, long d) => l * d;

    /// <summary>
    /// MPT with T tasks of rank r: l·d + T·(l + d)·r. One target at r = 1 gives l·d + l + d (T5-Base, l = 100: 77,668, the
    /// paper's "77.6K"); τ targets sharing P* give l·d + (l + d)·τ.
    /// </summary>
    public static long Multitask(long l, long d, long numTasks, long rank = 1) => l * d + numTasks * (l + d) * rank;

    /// <summary>
    /// Per-task share of multi-target MPT* with τ targets at rank 1: l·d/τ + (l + d) (T5-Base GLUE, τ = 8: 10,468, the
    /// paper's "10.5K"); a fraction when τ does not divide l·d.
    /// </summary>
    public static double PerTargetTask(long l, long d, long numTargets) => (double)(l * d) / numTargets + (l + d);
}
