using Mpt.Training;

namespace Mpt.Methods;

/// <summary>How the prompt of a target run starts (paper §3.2, §4.1, Table 1).</summary>
public enum MethodInit
{
    /// <summary>Not trained, no model: always the most frequent label of the target's train pool.</summary>
    MajorityLabel,
    /// <summary>Not trained: the frozen backbone without any prompt (an encoder's own sentence embedding against the
    /// label descriptions; T5 generating from the bare input).</summary>
    NoPrompt,
    /// <summary>PT (Lester et al. 2021): l rows sampled from the backbone's vocabulary embeddings.</summary>
    Vocabulary,
    /// <summary>SPoT (Vu et al. 2022): a copy of one source task's teacher prompt.</summary>
    Teacher,
    /// <summary>MPT: P* of the distilled source prompt with the averaged source task factors u, v (§3.2).</summary>
    DistilledSource,
}

/// <summary>Which prompt parameter groups a target run trains (the §4.3 ablations freeze one of them).</summary>
[Flags]
public enum MethodGroups
{
    /// <summary>Nothing trains (untrained baselines).</summary>
    None = 0,
    /// <summary>The shared prompt P* (or the whole plain prompt).</summary>
    Shared = 1,
    /// <summary>The task factors u, v.</summary>
    TaskVectors = 2,
    /// <summary>Both groups (the paper's MPT).</summary>
    Both = Shared | TaskVectors,
}

/// <summary>
/// One target-adaptation method as data: how the config selects it, how its prompt starts, which parameter groups
/// train, and how results and reports name it. Every place that runs, validates, records or prints a method reads
/// these records (<see cref="AdaptMethods"/>), so a new method is one more record there.
/// </summary>
/// <param name="ResultsKey">Key in results.json (<c>targets.&lt;task&gt;.&lt;key&gt;</c>), metrics.jsonl and run folders.</param>
/// <param name="ConfigName">The name in <c>adapt.methods</c> that selects it (ablations share their method's name).</param>
/// <param name="Update">The <c>adapt.update</c> value that selects it among the records of its config name; null = any
/// (methods without task factors).</param>
/// <param name="MultiTarget">Selected by <c>adapt.multi_target</c>: one P* shared by every target (MPT*, paper Table 1).</param>
/// <param name="DisplayName">Name in printed tables and reports.</param>
/// <param name="Init">How the prompt starts.</param>
/// <param name="Groups">Which parameter groups train.</param>
public sealed record AdaptMethod(string ResultsKey, string ConfigName, string? Update, bool MultiTarget, string DisplayName,
    MethodInit Init, MethodGroups Groups)
{
    /// <summary>Whether the method trains a prompt (false for the untrained baselines).</summary>
    public bool Trained => Init is not (MethodInit.MajorityLabel or MethodInit.NoPrompt);

    /// <summary>
    /// The learning rates of a run: <paramref name="shared"/> for P* (or a plain prompt), <paramref name="taskVectors"/>
    /// for u, v, null for a group the method freezes.
    /// </summary>
    public PromptLearningRates Rates(double shared, double taskVectors) => new()
    {
        Shared = (Groups & MethodGroups.Shared) != 0 ? shared : null,
        TaskSpecific = (Groups & MethodGroups.TaskVectors) != 0 ? taskVectors : null,
    };
}
