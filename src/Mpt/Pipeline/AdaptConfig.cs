using System.Text.Json.Serialization;
using Mpt.Methods;

namespace Mpt.Pipeline;

/// <summary>
/// Stage 3, target adaptation (section <c>adapt</c>; paper §3.2, §4.1): MPT from the distilled prompt and the PT / SPoT
/// baselines, each for every seed, optionally few-shot, optionally all targets at once (MPT*), with the §4.3 ablation
/// of which MPT parameters train.
/// </summary>
public sealed record AdaptConfig
{
    /// <summary>Default epochs (paper: 20 for small targets; 10 above 10k examples).</summary>
    public const double DefaultEpochs = 20;

    /// <summary>The methods known to <see cref="Methods"/> (from the method registry, <see cref="AdaptMethods"/>).</summary>
    public static IReadOnlyList<string> KnownMethods => AdaptMethods.ConfigNames;

    /// <summary>The values of <see cref="Update"/> (from the method registry).</summary>
    public static IReadOnlyList<string> KnownUpdates => AdaptMethods.Updates;

    /// <summary>Methods to run per target: mpt, pt (vocabulary init), spot (a teacher's prompt).</summary>
    public IReadOnlyList<string> Methods { get; init; } = ["mpt"];

    /// <summary>Which MPT parameters train: both (paper), shared_only (P*), task_vectors_only (u, v).</summary>
    public string Update { get; init; } = "both";

    /// <summary>One P* shared by all targets with their own u, v (MPT*, paper Table 1); only for mpt.</summary>
    public bool MultiTarget { get; init; }

    /// <summary>Train on k examples per seed (paper: 4, 16, 32); null = all.</summary>
    public int? FewShot { get; init; }

    /// <summary>Whether k counts per class (true) or in total (false, default).</summary>
    public bool FewShotPerClass { get; init; }

    /// <summary>Seeds; results are mean ± std over them (paper: 3 runs; 10 few-shot samples).</summary>
    public IReadOnlyList<ulong> Seeds { get; init; } = [42];

    /// <summary>Learning rate of P* (or of a plain prompt) (paper: 0.3).</summary>
    public double SharedLearningRate { get; init; } = 0.3;

    /// <summary>Learning rate of u, v (paper: 0.4).</summary>
    public double TaskLearningRate { get; init; } = 0.4;

    /// <summary>Prompt length of the PT baseline (paper: 100).</summary>
    public int PromptLength { get; init; } = 100;

    /// <summary>Source task whose teacher initialises SPoT; set, it is the rule (<see cref="SpotRuleNamed"/>).</summary>
    public string? SpotSource { get; init; }

    /// <summary><see cref="SpotRule"/>: the teacher that scores best on the target's dev set before training (the default).</summary>
    public const string SpotRuleBest = "best_on_target_dev";

    /// <summary><see cref="SpotRule"/>: the first source's teacher.</summary>
    public const string SpotRuleFirst = "first_source";

    /// <summary><see cref="SpotRule"/>: the teacher of <see cref="SpotSource"/>.</summary>
    public const string SpotRuleNamed = "named";

    /// <summary>
    /// How SPoT picks its source teacher: best_on_target_dev, first_source or named (needs spot_source). Null: named when
    /// spot_source is set, else best_on_target_dev (see docs/decisions.md).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] // absent when unset, so run settings of earlier versions still match on resume
    public string? SpotRule { get; init; }

    /// <summary>The rule in force (<see cref="SpotRule"/> with its default resolved).</summary>
    [JsonIgnore]
    public string EffectiveSpotRule => SpotRule ?? (SpotSource is null ? SpotRuleBest : SpotRuleNamed);

    /// <summary>
    /// Checkpoint selection may keep step 0: the initial prompt is scored on dev before the first update and wins when no
    /// later evaluation beats it (ties keep step 0). Null = on for few-shot runs, off otherwise.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? SelectStepZero { get; init; }

    /// <summary>Whether target runs consider step 0 (<see cref="SelectStepZero"/> with its default resolved).</summary>
    [JsonIgnore]
    public bool SelectsStepZero => SelectStepZero ?? FewShot is not null;

    /// <summary><see cref="Selection"/>: the checkpoint with the best dev metric (ATTEMPT's and MPT's rule; the default).</summary>
    public const string SelectionDevMetric = "dev_metric";

    /// <summary><see cref="Selection"/>: the checkpoint with the lowest dev loss (mean L_PLM on the dev rows).</summary>
    public const string SelectionDevLoss = "dev_loss";

    /// <summary><see cref="Selection"/>: the last checkpoint (no selection; common in few-shot prompt tuning).</summary>
    public const string SelectionLast = "last";

    /// <summary>The values of <see cref="Selection"/>.</summary>
    public static IReadOnlyList<string> KnownSelections { get; } = [SelectionDevMetric, SelectionDevLoss, SelectionLast];

    /// <summary>
    /// Which checkpoint of a target run is kept: dev_metric (default), dev_loss or last (see docs/decisions.md,
    /// "Checkpoint selection"). Step 0 competes under dev_metric and dev_loss when <see cref="SelectStepZero"/> is on.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] // absent when unset, so run settings of earlier versions still match on resume
    public string? Selection { get; init; }

    /// <summary>The rule in force (<see cref="Selection"/> with its default resolved).</summary>
    [JsonIgnore]
    public string EffectiveSelection => Selection ?? SelectionDevMetric;

    /// <summary>
    /// ANALYSIS ONLY: at every dev evaluation of a target run (step 0 included) also record the dev loss and the test
    /// score with its per-example outcomes (<c>selection_curve.jsonl</c> in the run folder), so that one run shows what
    /// every selection rule would have kept (<c>mpt report --selection</c>). Test scores never drive selection; the option
    /// does not change what a run selects, only what it costs (a test evaluation per dev evaluation).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool RecordTestCurve { get; init; }

    /// <summary>Use this source prompt (a .safetensors file or PEFT folder) instead of the run's distilled one.</summary>
    public string? SourcePrompt { get; init; }

    /// <summary>Loop settings.</summary>
    public LoopConfig Loop { get; init; } = new();

    /// <summary>Checks the section.</summary>
    public void Validate(string path = "adapt")
    {
        if (Methods.Count == 0) throw new ConfigException($"{path}.methods must name at least one of {string.Join(", ", KnownMethods)}.");
        for (int i = 0; i < Methods.Count; i++) ConfigChecks.OneOf($"{path}.methods[{i}]", Methods[i], [.. KnownMethods]);
        if (Methods.Distinct().Count() != Methods.Count) throw new ConfigException($"{path}.methods lists a method twice.");
        ConfigChecks.OneOf($"{path}.update", Update, [.. KnownUpdates]);
        if (FewShot is int k) ConfigChecks.AtLeast($"{path}.few_shot", k, 1);
        if (Seeds.Count == 0) throw new ConfigException($"{path}.seeds must hold at least one seed.");
        if (Seeds.Distinct().Count() != Seeds.Count) throw new ConfigException($"{path}.seeds lists a seed twice.");
        ConfigChecks.Positive($"{path}.shared_learning_rate", SharedLearningRate);
        ConfigChecks.Positive($"{path}.task_learning_rate", TaskLearningRate);
        ConfigChecks.AtLeast($"{path}.prompt_length", PromptLength, 1);
        Loop.Validate($"{path}.loop");
        if (Selection is not null) ConfigChecks.OneOf($"{path}.selection", Selection, [.. KnownSelections]);
        if (SpotRule is not null) ConfigChecks.OneOf($"{path}.spot_rule", SpotRule, SpotRuleBest, SpotRuleFirst, SpotRuleNamed);
        if (SpotRule == SpotRuleNamed && SpotSource is null) throw new ConfigException($"{path}.spot_rule 'named' needs {path}.spot_source.");
        if (SpotSource is not null && SpotRule is not (null or SpotRuleNamed))
            throw new ConfigException($"{path}.spot_source is set but {path}.spot_rule is '{SpotRule}'; drop one of them.");
        foreach (string method in Methods)
            if (AdaptMethods.Select(method, Update, MultiTarget) is null)
                throw new ConfigException($"{path}.methods '{method}' has no variant for {path}.update '{Update}' with {path}.multi_target {(MultiTarget ? "true" : "false")}.");
    }

    /// <summary>The registry records the config selects, in the order of <see cref="Methods"/> (valid config only).</summary>
    public IReadOnlyList<AdaptMethod> SelectedMethods() =>
        Methods.Select(m => AdaptMethods.Select(m, Update, MultiTarget)
            ?? throw new ConfigException($"adapt.methods '{m}' has no variant for adapt.update '{Update}' with adapt.multi_target {MultiTarget}.")).ToList();
}
