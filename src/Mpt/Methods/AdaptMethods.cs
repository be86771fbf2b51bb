namespace Mpt.Methods;

/// <summary>
/// The registry of target-adaptation methods and untrained baselines, in report order (the paper's Table 1 order:
/// PT, SPoT, MPT, MPT*, then the §4.3 update ablations, then the untrained baselines). Adding a method is adding a record
/// here; config validation, the pipeline, the CLI choices and the report names all read this list.
/// </summary>
public static class AdaptMethods
{
    /// <summary>The value of <c>adapt.update</c> that trains both groups (the paper's MPT).</summary>
    public const string BothUpdate = "both";

    /// <summary>Prompt tuning from a sampled-vocabulary init (Lester et al. 2021).</summary>
    public static readonly AdaptMethod PromptTuning = new("pt", "pt", null, false, "PT", MethodInit.Vocabulary, MethodGroups.Shared);

    /// <summary>SPoT: start from a source task's teacher prompt (Vu et al. 2022).</summary>
    public static readonly AdaptMethod Spot = new("spot", "spot", null, false, "SPoT", MethodInit.Teacher, MethodGroups.Shared);

    /// <summary>MPT: P* and the averaged u, v of the distilled multitask prompt, both trained (paper §3.2).</summary>
    public static readonly AdaptMethod Mpt = new("mpt", "mpt", BothUpdate, false, "MPT", MethodInit.DistilledSource, MethodGroups.Both);

    /// <summary>MPT*: one P* shared by every target, each with its own u, v (paper Table 1).</summary>
    public static readonly AdaptMethod MptMultiTarget = new("mpt*", "mpt", BothUpdate, true, "MPT*", MethodInit.DistilledSource, MethodGroups.Both);

    /// <summary>Ablation (paper §4.3): only P* trains.</summary>
    public static readonly AdaptMethod MptSharedOnly = new("mpt-shared_only", "mpt", "shared_only", false, "mpt-shared_only", MethodInit.DistilledSource, MethodGroups.Shared);

    /// <summary>Ablation (paper §4.3): only u, v train.</summary>
    public static readonly AdaptMethod MptTaskVectorsOnly = new("mpt-task_vectors_only", "mpt", "task_vectors_only", false, "mpt-task_vectors_only", MethodInit.DistilledSource, MethodGroups.TaskVectors);

    /// <summary>Untrained baseline: always the most frequent training label.</summary>
    public static readonly AdaptMethod Majority = new("majority", "majority", null, false, "majority", MethodInit.MajorityLabel, MethodGroups.None);

    /// <summary>Untrained baseline: the frozen encoder without a prompt, its sentence embedding scored against the label descriptions.</summary>
    public static readonly AdaptMethod NoPrompt = new("no-prompt", "no-prompt", null, false, "no prompt", MethodInit.NoPrompt, MethodGroups.None);

    /// <summary>Every method, in report order.</summary>
    public static IReadOnlyList<AdaptMethod> All { get; } =
        [PromptTuning, Spot, Mpt, MptMultiTarget, MptSharedOnly, MptTaskVectorsOnly, Majority, NoPrompt];

    /// <summary>The names <c>adapt.methods</c> accepts, in ordinal order.</summary>
    public static IReadOnlyList<string> ConfigNames { get; } = All.Select(m => m.ConfigName).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>The values <c>adapt.update</c> accepts.</summary>
    public static IReadOnlyList<string> Updates { get; } = All.Where(m => m.Update is not null).Select(m => m.Update!).Distinct().ToList();

    /// <summary>Baselines a run can add to the config's methods (everything that needs no distilled prompt).</summary>
    public static IReadOnlyList<string> Baselines { get; } =
        All.Where(m => m.Init != MethodInit.DistilledSource).Select(m => m.ConfigName).Distinct().ToList();

    /// <summary>The method with results key <paramref name="key"/> (case-insensitive), or null for a key not in the registry.</summary>
    public static AdaptMethod? ByKey(string key) =>
        All.FirstOrDefault(m => string.Equals(m.ResultsKey, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The record selected by config name <paramref name="configName"/>, <c>adapt.update</c> and <c>adapt.multi_target</c>.
    /// </summary>
    /// <returns>The record, or null when no method matches (e.g. multi_target with an update ablation).</returns>
    public static AdaptMethod? Select(string configName, string update, bool multiTarget)
    {
        var named = All.Where(m => m.ConfigName == configName).ToList();
        // multi_target and update only choose among records that have those variants (PT and SPoT have neither).
        if (named.Any(m => m.MultiTarget)) named = named.Where(m => m.MultiTarget == multiTarget).ToList();
        if (named.Any(m => m.Update is not null)) named = named.Where(m => m.Update == update).ToList();
        return named.Count == 1 ? named[0] : null;
    }
}
