using System.Text.Json.Serialization;
using Mpt.Prompts;
using Mpt.Serialization;
using Mpt.Training;

namespace Mpt.Pipeline;

/// <summary>
/// Stage 2, MPT source training: the decomposed prompt distilled from the teachers (section <c>distill</c>; paper §3.1-3.2,
/// Eq. 5). The ablation switches of §4.3 are <see cref="Objective"/>, <see cref="Decomposition"/> and
/// <see cref="StochasticTaskSampling"/>.
/// </summary>
/// <remarks>
/// The loss and init choices the paper leaves open (temperature, T² factor, hidden layers, reduction, prompt positions,
/// hidden-state dropout, u, v init) map one to one onto <see cref="DistillationOptions"/>, whose initialisers are their
/// defaults. Keys added after runs were recorded carry <see cref="LegacyValueAttribute"/>: <c>pipeline_settings.json</c>
/// leaves them out while they hold what older runs did, so those runs resume (and, for the hidden-state dropout, whose
/// default changed, are reused only under <c>one_sided</c>).
/// </remarks>
public sealed record DistillConfig
{
    /// <summary>Default epochs over the mixture (paper: 5).</summary>
    public const double DefaultEpochs = 5;

    /// <summary>The library's defaults: the single source of the defaults of the keys that map onto them.</summary>
    private static readonly DistillationOptions Defaults = new();

    /// <summary>Prompt length l; must equal the teachers' (paper: 100).</summary>
    public int PromptLength { get; init; } = 100;

    /// <summary>Rank r of the task factors (paper: 1).</summary>
    public int Rank { get; init; } = 1;

    /// <summary>λ of Eq. 5 (paper: 0.9).</summary>
    public double Lambda { get; init; } = 0.9;

    /// <summary>KL temperature T (unspecified in the paper; <see cref="DistillationOptions.Temperature"/>).</summary>
    public double Temperature { get; init; } = Defaults.Temperature;

    /// <summary>Multiply the KL by T² (<see cref="DistillationOptions.ScaleKlByTemperatureSquared"/>; no effect at T = 1).</summary>
    [LegacyValue(true)]
    public bool ScaleKlByTemperatureSquared { get; init; } = Defaults.ScaleKlByTemperatureSquared;

    /// <summary>Hidden states compared: final (each stack's last state) or all (every block output); <see cref="DistillationOptions.HiddenLayers"/>.</summary>
    [LegacyValue(HiddenLayers.Final)]
    public HiddenLayers HiddenLayers { get; init; } = Defaults.HiddenLayers;

    /// <summary>Reduction of the KL and hidden losses: token_mean or sum (Eqs. 3-4 literally); <see cref="DistillationOptions.Reduction"/>.</summary>
    [LegacyValue(LossReduction.TokenMean)]
    public LossReduction Reduction { get; init; } = Defaults.Reduction;

    /// <summary>Whether the prompt positions count in the encoder hidden loss; <see cref="DistillationOptions.HiddenLossOnPromptPositions"/>.</summary>
    [LegacyValue(true)]
    public bool HiddenLossOnPromptPositions { get; init; } = Defaults.HiddenLossOnPromptPositions;

    /// <summary>
    /// Student hidden states of the hidden loss while the backbone dropout is on: clean_student_pass or one_sided;
    /// <see cref="DistillationOptions.HiddenStateDropout"/>.
    /// </summary>
    [LegacyValue(HiddenStateDropout.OneSided)]
    public HiddenStateDropout HiddenStateDropout { get; init; } = Defaults.HiddenStateDropout;

    /// <summary>Init of the task factors u, v: ones (P̂_k = P* at step 0) or peft_normal; <see cref="DistillationOptions.TaskVectorInit"/>.</summary>
    [LegacyValue(TaskVectorInit.Ones)]
    public TaskVectorInit TaskVectorInit { get; init; } = Defaults.TaskVectorInit;

    /// <summary>
    /// Cache of the teachers' outputs: off (default), memory (exact, in RAM) or disk_topk (top-k scores + lumped tail and
    /// exact hidden states in a memory-mapped file of the run folder); docs/performance.md, "Teacher-output caching".
    /// </summary>
    [LegacyValue(TeacherCacheMode.Off)]
    public TeacherCacheMode TeacherCache { get; init; } = TeacherCacheMode.Off;

    /// <summary>k of <see cref="TeacherCacheMode.DiskTopk"/>: teacher tokens kept per target position (default 64).</summary>
    [LegacyValue(DefaultTeacherCacheTopk)]
    public int TeacherCacheTopk { get; init; } = DefaultTeacherCacheTopk;

    /// <summary>
    /// Keep the cached teacher hidden states in bfloat16 (half the bytes; the hidden term moves by at most the bound of
    /// <see cref="TeacherRowLayout.HiddenBFloat16"/>). Default false (float32, exact).
    /// </summary>
    [LegacyValue(false)]
    public bool TeacherCacheHiddenBf16 { get; init; }

    /// <summary>Default of <see cref="TeacherCacheTopk"/>.</summary>
    public const int DefaultTeacherCacheTopk = 64;

    /// <summary>logits_and_hidden (paper), logits_only, none (no distillation), prompt_mse.</summary>
    public DistillationObjective Objective { get; init; } = DistillationObjective.LogitsAndHidden;

    /// <summary>Decompose the prompt (false = ablation "w/o prompt decomposition").</summary>
    public bool Decomposition { get; init; } = true;

    /// <summary>Stochastic task sampling (false = ablation "w/o stochastic task sampling").</summary>
    public bool StochasticTaskSampling { get; init; } = true;

    /// <summary>Task sampler choices the paper leaves open (batch split, replacement, size cap, κ).</summary>
    public TaskSamplerConfig Sampler { get; init; } = new();

    /// <summary>Learning rate of P* (paper: 0.3).</summary>
    public double SharedLearningRate { get; init; } = 0.3;

    /// <summary>Learning rate of u, v (paper: 0.3).</summary>
    public double TaskLearningRate { get; init; } = 0.3;

    /// <summary>Vocabulary ids the P* init samples from (first 5000).</summary>
    public int VocabularyPool { get; init; } = 5000;

    /// <summary>
    /// Which checkpoint of the distillation is kept, by the rules of <c>adapt.selection</c>: dev_metric (default: the best
    /// mean source-dev score, ties to the earlier evaluation; ATTEMPT's best checkpoint), dev_loss (the lowest mean task
    /// loss on the source dev rows) or last (the final prompt). docs/decisions.md, "Checkpoint selection of the distillation".
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] // absent when unset, so run settings of earlier versions still match on resume
    public string? Selection { get; init; }

    /// <summary>The rule in force (<see cref="Selection"/> with its default resolved).</summary>
    [JsonIgnore]
    public string EffectiveSelection => Selection ?? AdaptConfig.SelectionDevMetric;

    /// <summary>Take the teachers from this run folder instead of the current one (its <c>teachers/</c>).</summary>
    public string? TeachersFrom { get; init; }

    /// <summary>Loop settings.</summary>
    public LoopConfig Loop { get; init; } = new();

    /// <summary>Checks the section.</summary>
    public void Validate(string path = "distill")
    {
        ConfigChecks.AtLeast($"{path}.prompt_length", PromptLength, 1);
        ConfigChecks.AtLeast($"{path}.rank", Rank, 1);
        ConfigChecks.AtLeast($"{path}.lambda", Lambda, 0);
        ConfigChecks.Positive($"{path}.temperature", Temperature);
        ConfigChecks.Defined($"{path}.hidden_layers", HiddenLayers);
        ConfigChecks.Defined($"{path}.reduction", Reduction);
        ConfigChecks.Defined($"{path}.hidden_state_dropout", HiddenStateDropout);
        ConfigChecks.Defined($"{path}.task_vector_init", TaskVectorInit);
        ConfigChecks.Positive($"{path}.shared_learning_rate", SharedLearningRate);
        ConfigChecks.Positive($"{path}.task_learning_rate", TaskLearningRate);
        ConfigChecks.AtLeast($"{path}.vocabulary_pool", VocabularyPool, 1);
        if (!Enum.IsDefined(Objective)) throw new ConfigException($"{path}.objective: unknown value {Objective}.");
        ConfigChecks.Defined($"{path}.teacher_cache", TeacherCache);
        ConfigChecks.AtLeast($"{path}.teacher_cache_topk", TeacherCacheTopk, 1);
        if (Selection is not null) ConfigChecks.OneOf($"{path}.selection", Selection, [.. AdaptConfig.KnownSelections]);
        Loop.Validate($"{path}.loop");
    }

    /// <summary>The library options.</summary>
    public DistillationOptions ToOptions() => new()
    {
        PromptLength = PromptLength,
        Rank = Rank,
        Lambda = Lambda,
        Temperature = Temperature,
        ScaleKlByTemperatureSquared = ScaleKlByTemperatureSquared,
        HiddenLayers = HiddenLayers,
        Reduction = Reduction,
        HiddenLossOnPromptPositions = HiddenLossOnPromptPositions,
        HiddenStateDropout = HiddenStateDropout,
        TaskVectorInit = TaskVectorInit,
        Objective = Objective,
        Decomposition = Decomposition,
        CacheTeacherOutputs = TeacherCache != TeacherCacheMode.Off,
        TeacherCacheOnDisk = TeacherCache == TeacherCacheMode.DiskTopk,
        TeacherCacheTopK = TeacherCache == TeacherCacheMode.DiskTopk ? TeacherCacheTopk : null,
        TeacherCacheHiddenBFloat16 = TeacherCache != TeacherCacheMode.Off && TeacherCacheHiddenBf16,
        StochasticTaskSampling = StochasticTaskSampling,
        BatchSplit = Sampler.BatchSplit,
        SampleTasksWithReplacement = Sampler.WithReplacement,
        MixingSizeCap = Sampler.SizeCap,
        MaxTasksPerBatch = Sampler.MaxTasksPerBatch,
        VocabularyPool = VocabularyPool,
        Rates = new PromptLearningRates { Shared = SharedLearningRate, TaskSpecific = TaskLearningRate },
        Loop = Loop.ToOptions(DefaultEpochs),
    };
}
