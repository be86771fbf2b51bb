namespace Mpt.Pipeline;

/// <summary>
/// Everything a run needs, as one JSON file (snake_case keys; see <c>configs/</c> and docs/cli.md): the model, the source
/// and target tasks with their data, and a section per stage. Every verb reads this one schema and uses the sections it
/// needs; missing keys keep the defaults below (the paper's T5-Base recipe), and command-line flags override the file.
/// </summary>
public sealed record PipelineConfig
{
    /// <summary>
    /// The named preset the settings started from (<c>quickstart</c>, <c>quickstart-full</c>), recorded so that a run
    /// folder's config.json says where its values came from; informational, it changes nothing (the CLI's
    /// <c>--preset</c> picks one, docs/cli.md). Not written when null.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Preset { get; init; }

    /// <summary>The backbone.</summary>
    public ModelConfig Model { get; init; } = new();

    /// <summary>JSON file of extra task definitions (see UserTaskFile).</summary>
    public string? TaskFile { get; init; }

    /// <summary>Put the task name before the fields (ATTEMPT: true; DePT: false).</summary>
    public bool AddPrefix { get; init; } = true;

    /// <summary>Source tasks (teachers and distillation; paper: MNLI, QNLI, QQP, SST-2, SQuAD, ReCoRD).</summary>
    public IReadOnlyList<TaskDataConfig> Sources { get; init; } = [];

    /// <summary>Target tasks (adaptation and evaluation).</summary>
    public IReadOnlyList<TaskDataConfig> Targets { get; init; } = [];

    /// <summary>
    /// Allow a task to be both a source and a target (default false: refused before any training). A target that is also
    /// a source has its own u, v averaged into its MPT init and can be SPoT's source, so its score includes transfer from
    /// itself. The paper does this knowingly in its GLUE table (MNLI, QNLI, QQP and SST-2 are sources and targets, §4.1),
    /// which <c>configs/adapt-glue-large.json</c> reproduces with this switch on; elsewhere an overlap is usually a mistake.
    /// </summary>
    public bool AllowSourceTargetOverlap { get; init; }

    /// <summary>
    /// Derive each teacher's and the distillation's seed from its stage's <c>loop.seed</c>, the stage and the task
    /// (<see cref="SeedDerivation"/>; default true). False uses <c>loop.seed</c> as is for every run of the stage, so all
    /// teachers and P* start from the same rows (Mpt's earlier behaviour).
    /// </summary>
    public bool DeriveSeeds { get; init; } = true;

    /// <summary>Stage 1.</summary>
    public TeachersConfig Teachers { get; init; } = new();

    /// <summary>Stage 2.</summary>
    public DistillConfig Distill { get; init; } = new();

    /// <summary>Stage 3.</summary>
    public AdaptConfig Adapt { get; init; } = new();

    /// <summary>Evaluation settings.</summary>
    public EvaluateConfig Evaluate { get; init; } = new();

    /// <summary>Run in the reproducible numerics mode (the CLI's <c>--reproducible</c>; docs/reproducibility.md).</summary>
    public bool Reproducible { get; init; }

    /// <summary>Checks what <paramref name="stages"/> need (every section's values, and the task lists those stages use).</summary>
    /// <exception cref="ConfigException">The first problem, naming the field.</exception>
    public void Validate(PipelineStages stages = PipelineStages.All)
    {
        Model.Validate();
        Teachers.Validate();
        Distill.Validate();
        Adapt.Validate();
        Evaluate.Validate();
        for (int i = 0; i < Sources.Count; i++)
            (Sources[i] ?? throw new ConfigException($"sources[{i}] is null; give an object like {{\"task\": \"mnli\", \"data\": \"...\"}}.")).Validate($"sources[{i}]");
        for (int i = 0; i < Targets.Count; i++)
            (Targets[i] ?? throw new ConfigException($"targets[{i}] is null; give an object like {{\"task\": \"rte\", \"data\": \"...\"}}.")).Validate($"targets[{i}]");
        bool needSources = (stages & (PipelineStages.Teachers | PipelineStages.Distill)) != 0
                           || ((stages & PipelineStages.Adapt) != 0 && Adapt.SelectedMethods().Any(m => m.Init == Methods.MethodInit.Teacher));
        if (needSources && Sources.Count == 0) throw new ConfigException("sources must list at least one source task.");
        if ((stages & PipelineStages.Adapt) != 0 && Targets.Count == 0) throw new ConfigException("targets must list at least one target task.");
        Unique("sources", Sources);
        Unique("targets", Targets);
        if ((stages & PipelineStages.Distill) != 0 && Distill.Objective != Training.DistillationObjective.None
            && Distill.PromptLength != Teachers.PromptLength)
            throw new ConfigException($"distill.prompt_length ({Distill.PromptLength}) must equal teachers.prompt_length ({Teachers.PromptLength}): hidden states are compared position by position.");
        if ((stages & PipelineStages.Distill) != 0)
            Distill.Sampler.Validate("distill.sampler", Sources.Count, Distill.Loop.BatchSize, Distill.StochasticTaskSampling);
        if (Adapt.SpotSource is { } spot && Sources.All(s => s.Task != spot))
            throw new ConfigException($"adapt.spot_source '{spot}' is not one of the sources ({string.Join(", ", Sources.Select(s => s.Task))}).");
        if (Adapt.MultiTarget && !Adapt.SelectedMethods().Any(m => m.MultiTarget))
            throw new ConfigException("adapt.multi_target needs the mpt method in adapt.methods.");
        // Last, so that a field's own error is reported first.
        if (!AllowSourceTargetOverlap && Targets.FirstOrDefault(t => Sources.Any(s => s.Task == t.Task)) is { } both)
            throw new ConfigException($"task '{both.Task}' is both a source (sources[{IndexOf(Sources, both.Task)}]) and a target " +
                $"(targets[{IndexOf(Targets, both.Task)}]): its own task vectors would be averaged into its MPT init and its teacher could be SPoT's source. " +
                "Remove it from sources or targets, or set allow_source_target_overlap to true to run it anyway.");
        ValidateStagePreconditions(stages);
    }

    /// <summary>
    /// Checks the config against the tasks it names: every source and target is a task of <paramref name="catalog"/>
    /// (an unknown name gets the closest one), and rank classification, which scores each label, only evaluates tasks
    /// that have a label list. Made before any work, since evaluation first runs after the first training steps.
    /// </summary>
    /// <exception cref="ConfigException">A task cannot be evaluated as configured (the key and the task are named).</exception>
    /// <exception cref="KeyNotFoundException">A task is not in the catalogue (the closest name is suggested).</exception>
    public void ValidateTasks(Tasks.TaskCatalog catalog, PipelineStages stages = PipelineStages.All)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var named = Sources.Select((t, i) => (Key: $"sources[{i}]", t.Task)).Concat(Targets.Select((t, i) => (Key: $"targets[{i}]", t.Task))).ToList();
        foreach (var (_, task) in named) catalog.Get(task!);
        if (!Evaluate.RankClassification) return;
        // Sources are evaluated on dev while teachers and the distillation train; targets while adapting and on test.
        bool sourcesEvaluated = (stages & (PipelineStages.Teachers | PipelineStages.Distill)) != 0;
        bool targetsEvaluated = (stages & PipelineStages.Adapt) != 0;
        foreach (var (key, task) in named)
        {
            if (key.StartsWith("sources", StringComparison.Ordinal) ? !sourcesEvaluated : !targetsEvaluated) continue;
            if (catalog.Get(task!).Labels is not { Count: > 0 })
                throw new ConfigException($"evaluate.rank_classification scores each label of a task, but {key} '{task}' has no label list " +
                                          "(a free-text task): set evaluate.rank_classification=false to evaluate by generation.");
        }
    }

    // Preconditions of the adaptation stage (PromptOptimizer, TargetPrompts) that the library only meets when the stage
    // starts, i.e. after the teachers and the distillation have trained; checked before any work, naming the config keys.
    // (The task sampler's are checked by distill.sampler's Validate.)
    private void ValidateStagePreconditions(PipelineStages stages)
    {
        // Without decomposition the distilled source prompt is one plain prompt: it has no task vectors u, v to train or
        // to give each target (unless adapt.source_prompt brings another prompt).
        bool mptFromPlainSource = (stages & PipelineStages.Adapt) != 0 && Adapt.Methods.Contains("mpt") && Adapt.SourcePrompt is null && !Distill.Decomposition;
        if (mptFromPlainSource && Adapt.Update == "task_vectors_only")
            throw new ConfigException("adapt.update=task_vectors_only trains only the task vectors u, v, but with distill.decomposition=false the distilled source prompt has none: " +
                                      "set adapt.update to both or shared_only, or distill.decomposition=true.");
        if (mptFromPlainSource && Adapt.MultiTarget && Targets.Count > 1)
            throw new ConfigException("adapt.multi_target (MPT*) gives each target its own task vectors u, v, but with distill.decomposition=false the distilled source prompt has none: " +
                                      "set adapt.multi_target=false, or distill.decomposition=true.");
    }

    private static int IndexOf(IReadOnlyList<TaskDataConfig> tasks, string? task)
    {
        for (int i = 0; i < tasks.Count; i++) if (tasks[i].Task == task) return i;
        return -1;
    }

    private static void Unique(string path, IReadOnlyList<TaskDataConfig> tasks)
    {
        var twice = tasks.GroupBy(t => t.Task).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new ConfigException($"{path} lists task '{twice.Key}' twice.");
    }
}

/// <summary>The stages of the pipeline, as flags (a verb runs one, <c>mpt run</c> all).</summary>
[Flags]
public enum PipelineStages
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>Teacher prompts.</summary>
    Teachers = 1,
    /// <summary>Distillation (source training).</summary>
    Distill = 2,
    /// <summary>Target adaptation and test evaluation.</summary>
    Adapt = 4,
    /// <summary>Everything.</summary>
    All = Teachers | Distill | Adapt,
}
