namespace Mpt.Prompts;

/// <summary>
/// How a target-task MPT prompt starts from a trained source prompt (PEFT <c>MultitaskPromptTuningInit</c> source-based
/// members; the paper's §3.2 "take averaged source task-specific vectors to initialize the target task-specific vector").
/// Random and text init of P* are <see cref="PromptInit"/> functions combined with <see cref="TaskVectorInit"/>.
/// </summary>
public enum TargetInit
{
    /// <summary>
    /// The paper's target init: P* copied; u_t = mean over source tasks of u_k, v_t = mean of v_k, averaged
    /// <b>separately</b> as PEFT does (so P̂_t = P* ∘ (ū v̄), not the mean of the composed source prompts).
    /// </summary>
    AverageSourceTasks,

    /// <summary>P* copied; u_t, v_t copied from one chosen source task k (PEFT <c>EXACT_SOURCE_TASK</c>).</summary>
    ExactSourceTask,

    /// <summary>Only P* is copied; u_t, v_t get a fresh <see cref="TaskVectorInit"/> (PEFT <c>ONLY_SOURCE_SHARED</c>).</summary>
    OnlySourceShared,
}
