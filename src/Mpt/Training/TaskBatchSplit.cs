namespace Mpt.Training;

/// <summary>How <see cref="TaskSampler"/> divides a batch among the K tasks it drew (the paper does not say).</summary>
public enum TaskBatchSplit
{
    /// <summary>
    /// Default: each draw gets one example, and the other batch − K examples are shared in proportion to the drawn
    /// tasks' (capped) sizes by largest remainder (ties to the earlier draw). The batch keeps the examples-proportional
    /// mix the draws were made with, so the "w/o stochastic task sampling" ablation changes K and little else.
    /// </summary>
    Proportional,

    /// <summary>
    /// ⌊batch / K⌋ examples per draw and the remainder to one draw chosen uniformly: Mpt's earlier split. Without
    /// replacement it flattens the mix towards uniform (for the paper's six sources MNLI falls from 35 % to 24 % of the
    /// examples and SST-2 rises from 6 % to 11 %).
    /// </summary>
    Equal,
}
