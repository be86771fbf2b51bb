using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mpt.Backbones;
using Mpt.Evaluation;
using Mpt.Methods;
using Mpt.Model;
using Mpt.Numerics;
using Mpt.Peft;
using Mpt.Prompts;
using Mpt.Reports;
using Mpt.Runs;
using Mpt.Serialization;
using Mpt.Tasks;
using Mpt.Tokenization;
using Mpt.Training;

namespace Mpt.Pipeline;

/// <summary>
/// Runs the MPT pipeline in a run folder: teachers (one per source task) → distillation → target adaptation per target,
/// method and seed (MPT, MPT*, PT, SPoT) → test evaluation → results.json → report. Each training run has its own
/// <see cref="RunFolder"/> (checkpoints, resume); a run whose folder holds a finished result is skipped on resume.
/// </summary>
/// <remarks>
/// Layout of the run folder:
/// <code>
/// config.json                            the resolved config of the last invocation
/// run.lock                               one writer per run folder (<see cref="RunLock"/>)
/// metrics.jsonl                          logged steps of every run (<see cref="StepMetrics"/>, <see cref="Reports.MetricsLog"/>)
/// results.json                           <see cref="RunResults"/> (targets, stages, model, prompts, config)
/// report/                                report.md, report.html, PNG plots (<see cref="PipelineRunOptions.Reporter"/>)
/// teachers/TASK/                         RunFolder of a teacher; adapter/ = PEFT PROMPT_TUNING + mpt_model.json
/// distill/                               RunFolder of source training; adapter/ = PEFT MULTITASK_PROMPT_TUNING
/// adapt/TARGET/METHOD/seed-S/            RunFolder of a target run; adapter/, test_results.json, test_predictions.json
///                                        (per-example outcomes, <see cref="TestPredictionsFile"/>; an untrained
///                                        baseline has only these, in seed-0/) (MPT: also adapter-compressed/, P̂ as one
///                                        PROMPT_TUNING matrix)
/// adapt/_multi/mpt_multi/seed-S/         MPT* over all targets; adapter-TARGET/ per target (compressed), test files of all targets
/// </code>
/// Every training run above is a work item (<see cref="WorkItems"/>) with its own <c>run.lock</c>, held while a process
/// works on it; the shards of a job array (<see cref="RunShard"/>) hold only those, and log their steps into the item's
/// own <c>metrics.jsonl</c> (<see cref="ItemMetrics"/>) until a full invocation merges them (docs/sharding.md).
/// </remarks>
public sealed class PipelineRunner : IDisposable
{
    /// <summary>Resolved config file.</summary>
    public const string ConfigFile = "config.json";
    /// <summary>Metrics file.</summary>
    public const string MetricsFile = Reports.MetricsLog.FileName;
    /// <summary>Per finished run: the settings it was made with (compared on --resume before it is reused).</summary>
    public const string SettingsFile = "pipeline_settings.json";
    /// <summary>Results file.</summary>
    public const string ResultsFile = RunResults.FileName;
    /// <summary>PEFT adapter folder inside a run folder.</summary>
    public const string AdapterDir = "adapter";
    /// <summary>Test evaluation of a target run.</summary>
    public const string TestResultsFile = "test_results.json";
    /// <summary>Teachers folder.</summary>
    public const string TeachersDir = "teachers";
    /// <summary>Distillation folder.</summary>
    public const string DistillDir = "distill";
    /// <summary>Adaptation folder.</summary>
    public const string AdaptDir = "adapt";

    private PipelineConfig _config;
    private readonly PipelineRunOptions _options;
    private readonly string _metricsPath;
    private readonly TaskCatalog _catalog;
    private readonly FormatOptions _format;
    private readonly Dictionary<(string Task, DataSplit Split), IReadOnlyList<TextToTextRow>> _rows = [];
    private IRunBackbone? _backbone;

    /// <summary>Creates a runner for <paramref name="runDir"/> (created if needed).</summary>
    public PipelineRunner(PipelineConfig config, string runDir, PipelineRunOptions? options = null)
    {
        _config = config;
        _options = options ?? new PipelineRunOptions();
        RunDir = Path.GetFullPath(runDir);
        Directory.CreateDirectory(RunDir);
        _metricsPath = Path.Combine(RunDir, MetricsFile);
        _catalog = TaskCatalog.CreateDefault();
        if (config.TaskFile is { } taskFile) UserTaskFile.RegisterAll(_catalog, taskFile);
        _format = FormatOptions.Default with { AddPrefix = config.AddPrefix };
    }

    /// <summary>The run folder.</summary>
    public string RunDir { get; }

    private IPipelineProgress Progress => _options.Progress;

    /// <summary>
    /// Runs <paramref name="stages"/> in order, then writes results.json and the report. A report failure is returned
    /// in <see cref="PipelineOutcome.ReportError"/>, not thrown: results.json is already written and the run is done.
    /// </summary>
    /// <exception cref="ConfigException">Invalid config (the field is named).</exception>
    /// <exception cref="RunInterruptedException">A run stopped early (Ctrl+C or a simulated kill); resume with the same config.</exception>
    public PipelineOutcome Run(PipelineStages stages)
    {
        // One writer per run folder (a killed holder releases it); the item folders have their own locks, which shards
        // working here at the same time hold, and their leftovers are theirs to clean (RunLock.Acquire).
        using var runLock = RunLock.Acquire(RunDir);
        var items = Prepare(stages);
        if (_options.Gather)
        {
            var missing = items.Where(i => !WorkItems.IsDone(RunDir, i)).ToList();
            if (missing.Count > 0) throw new WorkItemsMissingException(RunDir, missing, items.Count);
        }
        string config = ConfigJson.Serialize(_config);
        AtomicFile.WriteAllText(Path.Combine(RunDir, ConfigFile), config);
        Dictionary<string, IReadOnlyDictionary<string, MethodResult>>? targets = null;
        if ((stages & PipelineStages.Teachers) != 0) RunTeachers();
        if ((stages & PipelineStages.Distill) != 0) RunDistill();
        if ((stages & PipelineStages.Adapt) != 0) targets = RunAdapt();
        // Under an MPI launcher the results are read from the run folder: wait until rank 0 has written all of it.
        Distributed.MpiWorld.TrainingGroup?.Barrier();
        if (Distributed.MpiWorld.IsWriter) ItemMetrics.MergeInto(RunDir); // the step logs shards wrote into their items' folders
        var results = new RunResults(Targets: targets, Stages: StageSummaries(), Model: BackboneSummary(), Prompts: PromptFilesOfRun(),
            Config: JsonNode.Parse(config)!.AsObject(), Numerics: NumericsSummary.OfThisProcess(), Comparisons: Comparisons(targets), DtypeChoice: _dtypeChoice);
        results.Write(Path.Combine(RunDir, ResultsFile));
        // The single call site of the report writer (PipelineRunOptions.Reporter); after results.json, so a failing report
        // costs the report only.
        string? report = null, reportError = null;
        // Under an MPI launcher rank 0 alone writes the report (its plots are not written through AtomicFile).
        try { report = Distributed.MpiWorld.IsWriter ? _options.Reporter.Write(RunDir) : null; }
        catch (Exception e) when (e is not OutOfMemoryException) { reportError = $"{e.GetType().Name}: {e.Message}"; }
        return new PipelineOutcome(results, report, reportError);
    }

    /// <summary>
    /// Runs this process's share of one stage (<see cref="PipelineRunOptions.Shard"/>): the teachers or the target runs
    /// the shard owns (<see cref="WorkItems"/>, round-robin over the sorted items), each under its own item lock and
    /// skipped when already done, so shards of a job array share one run folder on shared storage. A shard writes no
    /// results.json, report or run-level config.json (other shards may be writing): a full invocation on the folder gathers
    /// (<see cref="PipelineRunOptions.Gather"/>, or a resume without a shard, which also trains what is missing).
    /// </summary>
    /// <exception cref="ArgumentException">No shard in the options, or a stage other than teachers or adapt.</exception>
    /// <exception cref="ConfigException">Invalid config (the field is named).</exception>
    /// <exception cref="RunInterruptedException">A run stopped early; restart the shard with --resume.</exception>
    public ShardOutcome RunShard(PipelineStages stage)
    {
        var shard = _options.Shard ?? throw new ArgumentException("RunShard needs PipelineRunOptions.Shard.", nameof(stage));
        if (stage is not (PipelineStages.Teachers or PipelineStages.Adapt))
            throw new ArgumentException("sharding applies to the teachers and adapt stages, whose items are independent: " +
                                        "distillation is one run over every teacher (docs/sharding.md).", nameof(stage));
        var items = Prepare(stage);
        _ownedItems = shard.Select(items).ToHashSet(StringComparer.Ordinal);
        if (_ownedItems.Count > 0)
        {
            if (stage == PipelineStages.Teachers) RunTeachers();
            else RunAdapt();
        }
        var owned = items.Where(_ownedItems.Contains).ToList();
        return new ShardOutcome(shard, owned, items.Count, items.Where(i => !WorkItems.IsDone(RunDir, i)).ToList());
    }

    /// <summary>The checks before any work, shared by a full run and a shard; returns the stages' work items.</summary>
    private IReadOnlyList<string> Prepare(PipelineStages stages)
    {
        _config.Validate(stages);
        ResolveAutoDtype();
        _config = _options.TaskData.Resolve(_config, _catalog, Progress.Message); // e.g. benchmark tasks by name: data built on demand by the CLI
        _config.ValidateTasks(_catalog, stages); // unknown task → closest name, rank classification needs labels, before any work
        foreach (var t in _config.Sources.Concat(_config.Targets)) Backbone.EnsureSupports(_catalog.Get(t.Task!)); // e.g. free text on an encoder
        if (Backbone is T5RunBackbone t5) _ = t5.Tokenizer; // a tokenizer that does not belong to the model is refused before any work
        CheckTeachersFrom(stages);
        DataPreflight.Check(_config, stages, (data, split) => RowsOf(data, split)); // every split the stages read, before any work
        return WorkItems.Of(_config, stages);
    }

    /// <summary>How <c>model.dtype auto</c> was resolved (null when the config named a dtype).</summary>
    private DtypeChoice? _dtypeChoice;

    /// <summary>
    /// Replaces <c>model.dtype auto</c> by the dtype it resolves to (<see cref="AutoDtype"/>), before the backbone loads,
    /// so config.json, every run's recorded settings and results.json hold the resolved dtype, and a resumed run finds it
    /// in its run folder's config.json and keeps it. The log line says what was chosen and why.
    /// </summary>
    private void ResolveAutoDtype()
    {
        if (_config.Model.Dtype != AutoDtype.Name) return;
        var model = _config.Model;
        _dtypeChoice ??= ModelDtype.ResolveAuto(model, _options.AutoDtype ?? new AutoDtype(), Resuming ? RecordedDtype() : null,
            ReproducibleEnvironment.IsActive(), Progress.Message);
        Progress.Message(_dtypeChoice.Describe());
        _config = _config with { Model = model with { Dtype = _dtypeChoice.Resolved } };
    }

    /// <summary>model.dtype in the run folder's config.json (written by the invocation that started the run), if readable.</summary>
    private string? RecordedDtype()
    {
        string file = Path.Combine(RunDir, ConfigFile);
        try
        {
            return File.Exists(file) && JsonNode.Parse(File.ReadAllText(file))?["model"]?["dtype"] is JsonValue v && v.TryGetValue(out string? dtype) ? dtype : null;
        }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException)
        {
            Progress.Message($"model.dtype auto: {file} is unreadable ({e.Message}); deciding afresh");
            return null;
        }
    }

    /// <summary>
    /// Whether finished items are reused and interrupted ones continued: with --resume, in a gather, and always in a shard
    /// (a restarted or requeued array element runs the same command line again; reuse still requires the same settings).
    /// </summary>
    private bool Resuming => _options.Resume || _options.Gather || _ownedItems is not null;

    /// <summary>Items this process trains when it is a shard (null: every item).</summary>
    private HashSet<string>? _ownedItems;

    /// <summary>Whether this process works on the item in <paramref name="folder"/> (a shard: only the items it owns).</summary>
    private bool Owns(string folder) => _ownedItems is null || _ownedItems.Contains(WorkItems.NameOf(RunDir, folder));

    /// <summary>
    /// Locks the item in <paramref name="folder"/> for this process (<see cref="RunLock"/>): concurrent shards, or a shard
    /// and a full run, never train, evaluate or write one item at the same time; the second is refused with the holder's PID.
    /// </summary>
    private static RunLock LockItem(string folder) => RunLock.Acquire(folder);

    /// <summary>
    /// Paired differences between the methods of every target with their bootstrap intervals (<see cref="RunComparisons"/>),
    /// from the per-example test predictions the target runs stored; what cannot be compared is said, not hidden.
    /// </summary>
    private IReadOnlyDictionary<string, IReadOnlyDictionary<string, MethodComparison>>? Comparisons(
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, MethodResult>>? targets)
    {
        if (targets is null) return null;
        var outcome = RunComparisons.Compute(RunDir, targets, new Metrics.PairedBootstrap(_options.BootstrapResamples));
        foreach (string note in outcome.Notes) Progress.Message($"comparisons: {note}");
        return outcome.Comparisons.Count > 0 ? outcome.Comparisons : null;
    }

    // ---- stages ----

    private void RunTeachers()
    {
        var t = _config.Teachers;
        foreach (var source in _config.Sources)
        {
            string folder = WorkItems.TeacherFolder(RunDir, source.Task!);
            if (!Owns(folder)) continue;
            using var itemLock = LockItem(folder);
            ulong seed = RunSeed(StageNames.Teacher, source.Task!, t.Loop.Seed);
            var options = new TeacherOptions { PromptLength = t.PromptLength, LearningRate = t.LearningRate, VocabularyPool = t.VocabularyPool, Loop = t.Loop.ToOptions(TeachersConfig.DefaultEpochs, seed) };
            var prompt = TrainOrSkip(folder, $"teacher {source.Task}", StageNames.Teacher, source.Task!, RunFolderRecords.TeacherMethod,
                RunSettings(_config.DeriveSeeds ? new { source, teachers = t, seed } : new { source, teachers = t }), options.Loop, t.Loop.LogEverySteps, hooks =>
            {
                using var set = Backbone.ForTasks([_catalog.Get(source.Task!)]);
                var train = TrainExamples(set, source, 0, options.Loop.MaxSourceLength);
                var dev = DevRows(source);
                var result = new TeacherTrainer(set.PromptBackbone, options).Train(train, hooks(train, m => DevScore(m, [(set, 0, dev)], options.Loop.MaxSourceLength)));
                return (result.Prompt, result.Training);
            });
            prompt.Dispose();
        }
    }

    private void RunDistill()
    {
        var d = _config.Distill;
        ulong seed = RunSeed(StageNames.Distill, RunFolderRecords.AllTasks, d.Loop.Seed);
        var options = d.ToOptions() with { Loop = WithSelection(d.Loop.ToOptions(DistillConfig.DefaultEpochs, seed), d.EffectiveSelection, stepZero: false) };
        string folder = WorkItems.DistillFolder(RunDir);
        using var itemLock = LockItem(folder);
        var prompt = TrainOrSkip(folder, "distillation", StageNames.Distill, RunFolderRecords.AllTasks, RunFolderRecords.DistillMethod,
            RunSettings(_config.DeriveSeeds ? new { sources = _config.Sources, distill = d, teachers = _config.Teachers, seed }
                : new { sources = _config.Sources, distill = d, teachers = _config.Teachers }), options.Loop, d.Loop.LogEverySteps, hooks =>
        {
            var teachers = options.Objective == DistillationObjective.None ? [] : LoadTeachers(d.TeachersFrom ?? RunDir);
            try
            {
                using var set = Backbone.ForTasks(_config.Sources.Select(s => _catalog.Get(s.Task!)).ToList());
                var byTask = _config.Sources.Select((s, k) => TrainExamples(set, s, k, options.Loop.MaxSourceLength)).ToList();
                var dev = _config.Sources.Select((s, k) => (set, k, DevRows(s))).ToList();
                var result = new Distiller(set.PromptBackbone, options).Train(byTask, teachers,
                    SelectionHooks(hooks(byTask.SelectMany(x => x).ToList(), m => DevScore(m, dev, options.Loop.MaxSourceLength)),
                        set, _config.Sources, options.Loop, d.EffectiveSelection));
                return (result.Prompt, result.Training);
            }
            finally
            {
                foreach (var teacher in teachers) teacher.Dispose();
            }
        });
        prompt.Dispose();
    }

    /// <summary>The seed of a teacher or distillation run: derived from the stage's seed, stage and task unless derive_seeds is false.</summary>
    private ulong RunSeed(string stage, string task, ulong stageSeed) =>
        _config.DeriveSeeds ? SeedDerivation.Derive(stageSeed, stage, task) : stageSeed;

    private Dictionary<string, IReadOnlyDictionary<string, MethodResult>> RunAdapt()
    {
        var perTarget = _config.Targets.ToDictionary(t => t.Task!, _ => new Dictionary<string, MethodResult>(StringComparer.Ordinal), StringComparer.Ordinal);
        var methods = _config.Adapt.SelectedMethods();
        using var source = methods.Any(m => m.Init == MethodInit.DistilledSource) ? LoadSourcePrompt() : null;
        foreach (var method in methods)
        {
            if (!method.Trained)
            {
                if (_ownedItems is not null) continue; // no item: recomputed by the gather
                foreach (var target in _config.Targets) perTarget[target.Task!][method.ResultsKey] = RunBaseline(target, method);
                continue;
            }
            if (method.MultiTarget)
            {
                foreach (var (target, result) in RunMultiTarget(method, source!))
                    if (result is not null) perTarget[target][method.ResultsKey] = result;
                continue;
            }
            foreach (var target in _config.Targets)
                if (RunSingleTarget(target, method, source) is { } result) perTarget[target.Task!][method.ResultsKey] = result;
        }
        return perTarget.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, MethodResult>)kv.Value, StringComparer.Ordinal);
    }

    /// <summary>
    /// An untrained baseline on a target's test rows (majority label of the train pool, or the backbone without a
    /// prompt): cheap, so recomputed on every invocation rather than stored; recorded as one run with seed 0.
    /// </summary>
    private MethodResult RunBaseline(TaskDataConfig target, AdaptMethod method)
    {
        var clock = Stopwatch.StartNew();
        var task = _catalog.Get(target.Task!);
        var test = RowsOf(target, DataSplit.Test);
        TaskEvaluationResult result;
        if (method.Init == MethodInit.MajorityLabel) result = MajorityBaseline.Evaluate(task, RowsOf(target, DataSplit.Train), test);
        else
        {
            using var set = Backbone.ForTasks([task]);
            result = set.EvaluateWithoutPrompt(0, test, _config.Adapt.Loop.MaxSourceLength);
        }
        // Recomputed on every invocation like the score, so the per-example outcomes always match it.
        TestPredictionsFile.Write(Path.Combine(RunComparisons.TargetRunFolder(RunDir, target.Task!, method.ResultsKey, 0), TestPredictionsFile.FileName),
            [TestPredictions.Of(task, test, result)]);
        Progress.RunFinished($"{method.ResultsKey} {target.Task}", $"test {result.Average:F2} (untrained baseline)");
        return RunFolderRecords.Method([0UL], [(result.Average, result.Metrics)], _config.Adapt.FewShot, RowsOf(target, DataSplit.Train).Count,
            null, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Results key of MPT* (all targets share P*).</summary>
    public static string MultiTargetKey => AdaptMethods.MptMultiTarget.ResultsKey;

    /// <summary>The target runs of one method on one target, one per seed; null when this shard owns none of them (no summary).</summary>
    private MethodResult? RunSingleTarget(TaskDataConfig target, AdaptMethod method, PromptEncoder? source)
    {
        var a = _config.Adapt;
        var seeds = a.Seeds.Where(seed => Owns(TargetFolder(target.Task!, method, seed))).ToList();
        if (seeds.Count == 0) return null;
        using var set = Backbone.ForTasks([_catalog.Get(target.Task!)]);
        var scores = new List<TaskEvaluationSummary>();
        ParameterReport? parameters = null;
        double seconds = 0;
        int trainCount = 0;
        foreach (ulong seed in seeds)
        {
            var loop = AdaptLoop(seed);
            var options = new TargetAdaptationOptions { Rates = method.Rates(a.SharedLearningRate, a.TaskLearningRate), Loop = loop };
            string key = method.ResultsKey;
            string folder = TargetFolder(target.Task!, method, seed);
            using var itemLock = LockItem(folder);
            string label = $"{key} {target.Task} seed {seed}";
            var clock = Stopwatch.StartNew();
            var prompt = TrainOrSkip(folder, label, StageNames.Adapt, target.Task!, key,
                RunSettings(new { target, adapt = a with { Seeds = [], Methods = [] }, evaluate = _config.Evaluate, seed }), loop, a.Loop.LogEverySteps, hooks =>
            {
                var train = Sample(TrainExamples(set, target, 0, loop.MaxSourceLength), seed);
                var dev = DevRows(target);
                var init = method.Init switch
                {
                    MethodInit.DistilledSource => TargetPrompts.FromSource(source!),
                    MethodInit.Vocabulary => TargetPrompts.VocabularyInit(set.PromptBackbone, a.PromptLength, seed, _config.Teachers.VocabularyPool),
                    _ => SpotInit(target, set),
                };
                var runHooks = SelectionHooks(hooks(train, m => DevScore(m, [(set, 0, dev)], loop.MaxSourceLength)), set, [target], loop, a.EffectiveSelection);
                if (a.RecordTestCurve) runHooks = runHooks with { Evaluated = RecordTestCurve(folder, set, target, loop) };
                var result = new TargetAdapter(set.PromptBackbone, options).Train(init, train, runHooks);
                return (result.Prompt, result.Training);
            });
            try
            {
                if (prompt is MultitaskPrompt m && !Directory.Exists(Path.Combine(folder, "adapter-compressed")))
                    SaveTaskAdapter(Path.Combine(folder, "adapter-compressed"), m, 0, target.Task!);
                parameters ??= ReadTraining(folder)?.Parameters;
                trainCount = ReadTrainCount(set, target, seed);
                scores.Add(TestScores(folder, prompt, set, [(target, 0)])[0]);
            }
            finally { prompt.Dispose(); }
            clock.Stop();
            WallClock.Add(folder, EvaluationSeconds(clock));
            seconds += WallClock.Read(folder);
        }
        return _ownedItems is null ? Summarise(scores, a, trainCount, parameters, seconds) : null; // a shard's seeds are a part: no summary
    }

    /// <summary>The folder of a target run (<see cref="RunComparisons.TargetRunFolder"/>).</summary>
    private string TargetFolder(string target, AdaptMethod method, ulong seed) =>
        RunComparisons.TargetRunFolder(RunDir, target, method.ResultsKey, RunFolderRecords.SeedOf(seed));

    /// <summary>MPT*: one run per seed over all targets; null results when this process is a shard (no summary).</summary>
    private IEnumerable<(string Target, MethodResult? Result)> RunMultiTarget(AdaptMethod method, PromptEncoder source)
    {
        var a = _config.Adapt;
        var seeds = a.Seeds.Where(seed => Owns(TargetFolder("", method, seed))).ToList();
        if (seeds.Count == 0) yield break;
        var scoresByTarget = _config.Targets.ToDictionary(t => t.Task!, _ => new List<TaskEvaluationSummary>(), StringComparer.Ordinal);
        using var set = Backbone.ForTasks(_config.Targets.Select(t => _catalog.Get(t.Task!)).ToList());
        ParameterReport? parameters = null;
        double seconds = 0;
        int trainCount = 0;
        foreach (ulong seed in seeds)
        {
            var loop = AdaptLoop(seed);
            var options = new TargetAdaptationOptions { Rates = method.Rates(a.SharedLearningRate, a.TaskLearningRate), Loop = loop };
            string folder = TargetFolder("", method, seed);
            using var itemLock = LockItem(folder);
            var clock = Stopwatch.StartNew();
            var prompt = TrainOrSkip(folder, $"mpt* seed {seed}", StageNames.Adapt, RunFolderRecords.AllTasks, method.ResultsKey,
                RunSettings(new { targets = _config.Targets, adapt = a with { Seeds = [], Methods = [] }, evaluate = _config.Evaluate, seed }), loop, a.Loop.LogEverySteps, hooks =>
            {
                var train = _config.Targets.SelectMany((t, i) => Sample(TrainExamples(set, t, i, loop.MaxSourceLength), seed)).ToList();
                var dev = _config.Targets.Select((t, i) => (set, i, DevRows(t))).ToList();
                var init = TargetPrompts.FromSource(source, _config.Targets.Count);
                var result = new TargetAdapter(set.PromptBackbone, options).Train(init, train,
                    SelectionHooks(hooks(train, m => DevScore(m, dev, loop.MaxSourceLength)), set, _config.Targets, loop, a.EffectiveSelection));
                return (result.Prompt, result.Training);
            });
            try
            {
                if (prompt is MultitaskPrompt m)
                    for (int i = 0; i < _config.Targets.Count; i++)
                    {
                        string dir = Path.Combine(folder, $"adapter-{_config.Targets[i].Task}");
                        if (!Directory.Exists(dir)) SaveTaskAdapter(dir, m, i, _config.Targets[i].Task!);
                    }
                parameters ??= ReadTraining(folder)?.Parameters;
                trainCount = _config.Targets.Select((t, i) => (t, i)).Sum(x => ReadTrainCount(set, x.t, seed, x.i));
                var tests = TestScores(folder, prompt, set, _config.Targets.Select((t, i) => (t, i)).ToList());
                for (int i = 0; i < tests.Count; i++) scoresByTarget[_config.Targets[i].Task!].Add(tests[i]);
            }
            finally { prompt.Dispose(); }
            clock.Stop();
            WallClock.Add(folder, EvaluationSeconds(clock));
            seconds += WallClock.Read(folder);
        }
        foreach (var target in _config.Targets)
            yield return (target.Task!, _ownedItems is null ? Summarise(scoresByTarget[target.Task!], a, trainCount, parameters, seconds) : null);
    }

    // ---- checkpoint selection of target runs (adapt.selection, docs/decisions.md "Checkpoint selection") ----

    /// <summary>
    /// The loop options of a target run: dev_metric and dev_loss keep the best checkpoint (step 0 competing when
    /// <see cref="AdaptConfig.SelectsStepZero"/>); last keeps the final prompt, dev still evaluated for the log.
    /// </summary>
    private TrainingLoopOptions AdaptLoop(ulong seed)
    {
        var a = _config.Adapt;
        return WithSelection(a.Loop.ToOptions(AdaptConfig.DefaultEpochs, seed), a.EffectiveSelection, a.SelectsStepZero);
    }

    /// <summary>
    /// The loop options of a selection rule (<see cref="AdaptConfig.KnownSelections"/>, for target runs and the
    /// distillation): last keeps the final prompt (dev still evaluated for the log, step 0 never kept); dev_metric and
    /// dev_loss keep the best checkpoint, step 0 competing when <paramref name="stepZero"/>.
    /// </summary>
    private static TrainingLoopOptions WithSelection(TrainingLoopOptions loop, string selection, bool stepZero) =>
        selection == AdaptConfig.SelectionLast
            ? loop with { KeepBest = false, SelectStepZero = false }
            : loop with { SelectStepZero = stepZero };

    /// <summary>
    /// Under dev_loss, selection maximises the negated mean dev loss (the mean over <paramref name="tasks"/> of each
    /// task's mean task loss on its dev rows, task id = position); the other rules select on the dev score itself.
    /// </summary>
    private TrainingHooks SelectionHooks(TrainingHooks hooks, IBackboneTaskSet set, IReadOnlyList<TaskDataConfig> tasks, TrainingLoopOptions loop,
        string selection)
    {
        if (selection != AdaptConfig.SelectionDevLoss) return hooks;
        var dev = tasks.Select((t, i) => set.Examples(DevRows(t), i, loop.MaxSourceLength)).ToList();
        return hooks with { SelectionScore = m => -dev.Average(d => DevLoss.Mean(m, d, loop.BatchSize, loop.MaxSourceLength)) };
    }

    /// <summary>The selection rule of a stage's runs (teachers: the dev metric).</summary>
    private string SelectionOf(string stage) => stage switch
    {
        StageNames.Adapt => _config.Adapt.EffectiveSelection,
        StageNames.Distill => _config.Distill.EffectiveSelection,
        _ => AdaptConfig.SelectionDevMetric,
    };

    /// <summary>
    /// ANALYSIS ONLY (<see cref="AdaptConfig.RecordTestCurve"/>): at every dev evaluation, the dev loss and the test score
    /// with its per-example outcomes into the run folder's <see cref="SelectionCurve"/>. Evaluation runs in eval mode
    /// and draws no random numbers, so recording does not change what the run selects.
    /// </summary>
    private Action<long, IPromptedModel, double> RecordTestCurve(string folder, IBackboneTaskSet set, TaskDataConfig target, TrainingLoopOptions loop)
    {
        var dev = set.Examples(DevRows(target), 0, loop.MaxSourceLength);
        var test = RowsOf(target, DataSplit.Test);
        return (step, model, devScore) =>
        {
            double loss = DevLoss.Mean(model, dev, loop.BatchSize, loop.MaxSourceLength);
            var result = set.Evaluate(model, 0, test, loop.MaxSourceLength);
            SelectionCurve.Append(folder, new SelectionCurve.Point(step, devScore, loss, result.Average), TestPredictions.Of(set.Tasks[0], test, result));
        };
    }

    // ---- one training run ----

    private delegate TrainingHooks HookFactory(IReadOnlyList<TrainingExample> train, Func<IPromptedModel, double> evaluate);

    private double _trainingSecondsOfLastRun;

    /// <summary>
    /// Trains in <paramref name="folder"/> unless it holds a finished run (then, with --resume, loads its prompt; without,
    /// refuses to overwrite it). Writes the PEFT adapter of a finished prompt and adds the time spent to its wall clock.
    /// </summary>
    private PromptEncoder TrainOrSkip(string folder, string label, string stage, string task, string method, string settings,
        TrainingLoopOptions loop, int logEvery, Func<HookFactory, (PromptEncoder Prompt, TrainingResult Training)> train)
    {
        _trainingSecondsOfLastRun = 0;
        string settingsFile = Path.Combine(folder, SettingsFile);
        if (IsFinished(folder))
        {
            if (!Resuming)
                throw new InvalidOperationException($"{folder} already holds a finished {label} run: pass --resume to skip finished runs, or choose a new --run-dir.");
            // A finished run is reused only under the settings it was trained (and, for targets, evaluated) with.
            if (File.Exists(settingsFile) && File.ReadAllText(settingsFile) != settings)
                throw new InvalidOperationException(
                    $"{folder}: this finished {label} run was made with other settings than the current config; resume with the same config or choose a new --run-dir.\nstored:\n{File.ReadAllText(settingsFile)}\ncurrent:\n{settings}");
            var loaded = PromptFile.Load(Path.Combine(folder, RunFolder.PromptFile));
            Progress.RunFinished(label, $"already finished (skipped): {ReadTraining(folder)?.Parameters}");
            return loaded;
        }
        if (_options.Stop.ShouldNotStart) throw new RunInterruptedException(label, 0, folder);
        if (_options.Gather) throw new WorkItemsMissingException(RunDir, [WorkItems.NameOf(RunDir, folder)], 1); // checked before any work; a race with a shard's restart
        string metrics = _ownedItems is null ? _metricsPath : ItemMetrics.PathIn(folder); // shards never append to one file
        var runFolder = new RunFolder(folder);
        var clock = Stopwatch.StartNew();
        double before = WallClock.Read(folder);
        bool started = false;
        HookFactory hooks = (examples, evaluate) =>
        {
            double meanTokens = TaskDataLoader.MeanTokens(examples);
            long planned = loop.TotalSteps(examples.Count);
            var warmup = WarmupOf(stage, loop, planned);
            Progress.Message($"[{label}] {warmup.Describe()}");
            return new TrainingHooks
            {
                Folder = runFolder,
                Resume = Resuming,
                EvaluateModel = evaluate,
                StopAfterStep = _options.Stop.KillAfterSteps(),
                StopRequested = () => _options.Stop.IsRequested,
                Log = entry =>
                {
                    if (!started) { Progress.RunStarted(label, entry.TotalSteps); started = true; }
                    if (!entry.IsInitial) _options.Stop.StepDone(); // the initial evaluation is not an update
                    double tps = entry.StepMilliseconds > 0 ? loop.BatchSize * meanTokens / (entry.StepMilliseconds / 1000) : 0;
                    // The end of the warm-up is logged too, so metrics.jsonl shows the peak rate of every run.
                    bool log = entry.Step % logEvery == 0 || entry.DevScore is not null || entry.Step == entry.TotalSteps
                               || entry.Step == warmup.PeakStep;
                    if (log) Reports.MetricsLog.Append(metrics, RunFolderRecords.Step(entry, stage, task, method, loop.Seed, tps, before + clock.Elapsed.TotalSeconds));
                    Progress.StepCompleted(label, entry, tps, log);
                },
            };
        };
        (PromptEncoder prompt, TrainingResult result) = train(hooks);
        clock.Stop();
        _trainingSecondsOfLastRun = clock.Elapsed.TotalSeconds;
        WallClock.Add(folder, clock.Elapsed.TotalSeconds);
        if (result.Interrupted)
        {
            prompt.Dispose();
            throw new RunInterruptedException(label, result.StepsDone, folder);
        }
        SaveAdapter(Path.Combine(folder, AdapterDir), prompt, task == RunFolderRecords.AllTasks ? null : task);
        AtomicFile.WriteAllText(settingsFile, settings); // last: the marker of a finished run (IsFinished)
        // Under an MPI launcher: rank 0 has now written the finished run; the other ranks read it in the next runs.
        Distributed.MpiWorld.TrainingGroup?.Barrier();
        Progress.RunFinished(label, $"{result.StepsDone} steps, final loss {result.StepLosses.LastOrDefault():F4}" +
            (result.BestScore is { } best ? ", " + KeptCheckpoint(SelectionOf(stage), best, result.BestStep) : "") + $"; {result.Parameters}");
        return prompt;
    }

    /// <summary>The warm-up of a run of <paramref name="totalSteps"/>; a warm-up the schedule refuses is a config error naming the stage's keys.</summary>
    private static WarmupPlan WarmupOf(string stage, TrainingLoopOptions loop, long totalSteps)
    {
        try
        {
            return loop.Warmup(totalSteps);
        }
        catch (ArgumentException e) when (loop.MaxWarmupFraction is null)
        {
            string section = stage == StageNames.Teacher ? "teachers" : stage;
            throw new ConfigException($"{section}.loop.warmup_steps ({loop.WarmupSteps}) is not shorter than the run's {totalSteps} steps and " +
                $"{section}.loop.max_warmup_fraction is null (no cap): the learning rate would never reach its nominal value. " +
                $"Lower {section}.loop.warmup_steps or set {section}.loop.max_warmup_fraction (e.g. {WarmupPlan.DefaultMaxWarmupFraction}).", e);
        }
    }

    /// <summary>
    /// The kept checkpoint as the log shows it. Under dev_loss the loop ranks checkpoints by the negated loss (higher is
    /// better for every rule), so the loss is shown with its sign restored.
    /// </summary>
    internal static string KeptCheckpoint(string selection, double bestScore, long? bestStep) =>
        selection == AdaptConfig.SelectionDevLoss
            ? string.Create(CultureInfo.InvariantCulture, $"lowest dev loss {-bestScore:F4} at step {bestStep}")
            : string.Create(CultureInfo.InvariantCulture, $"best dev {bestScore:F2} at step {bestStep}");

    private double EvaluationSeconds(Stopwatch clock) => Math.Max(0, clock.Elapsed.TotalSeconds - _trainingSecondsOfLastRun);

    /// <summary>
    /// What a finished run depends on, as JSON: the model, the data format and the given stage settings (for targets the
    /// evaluation settings too, since test results are reused). The seed and method lists are left out by the callers,
    /// so adding a seed or a method to a resumed run does not invalidate the finished ones. The backbone dtype and the
    /// dropout kernel change what a run computes, so they are part of it — written only when they differ from the
    /// defaults, so that runs made before they were recorded (float32, exact dropout) still resume.
    /// </summary>
    private string RunSettings(object stage)
    {
        var settings = new Dictionary<string, object?> { ["model"] = _config.Model.Path };
        if (_config.Model.Dtype != new ModelConfig().Dtype) settings["dtype"] = _config.Model.Dtype;
        if (_config.Model.DropoutKernel != DropoutKernel.Exact) settings["dropout_kernel"] = DropoutKernelNames.Name(_config.Model.DropoutKernel);
        settings["task_file"] = _config.TaskFile;
        settings["add_prefix"] = _config.AddPrefix;
        settings["stage"] = stage;
        return JsonSerializer.Serialize(settings, ConfigJson.RunSettingsOptions);
    }

    // The settings file is written last (after the adapter), so a run killed after its prompt but before its adapter is
    // not taken as finished: it resumes from its final checkpoint and writes the adapter.
    internal static bool IsFinished(string folder) =>
        File.Exists(Path.Combine(folder, RunFolder.ResultFile)) && File.Exists(Path.Combine(folder, RunFolder.PromptFile))
        && File.Exists(Path.Combine(folder, SettingsFile));

    private static TrainingResult? ReadTraining(string folder)
    {
        string file = Path.Combine(folder, RunFolder.ResultFile);
        return File.Exists(file) ? System.Text.Json.JsonSerializer.Deserialize<TrainingResult>(File.ReadAllText(file), RunFolder.Json) : null;
    }

    // ---- inputs ----

    /// <summary>The run's backbone: the one given in the options, else <c>model.path</c> loaded once (<see cref="RunBackbones.Load"/>).</summary>
    private IRunBackbone Backbone => _backbone ??= _options.Backbone ?? RunBackbones.Load(_config.Model, _config.Evaluate, log: Progress.Message);

    /// <summary>
    /// Saves a finished prompt as a PEFT adapter recording the backbone's fingerprint and, for a one-task prompt, the
    /// task record <c>mpt_task.json</c> (labels, label descriptions, and the prefix when <c>add_prefix</c> formatted the
    /// inputs), so that <c>mpt predict</c>, <c>mpt serve</c> and <see cref="PromptedModel"/> write inputs as training did.
    /// </summary>
    private void SaveAdapter(string folder, PromptEncoder prompt, string? task)
    {
        PeftAdapter.Save(folder, Backbone.AdapterConfig(prompt), prompt, Backbone.Fingerprint);
        if (task is not null) PromptTaskFile.Write(folder, PromptTask.Of(_catalog.Get(task), BackboneFamily, _config.AddPrefix));
    }

    /// <summary>The family recorded in task records: <c>t5</c>, else <c>minilm</c> for the embedded encoder's keyword, else <c>bert</c>.</summary>
    private string BackboneFamily => Backbone is T5RunBackbone ? PromptTask.Family(BackboneKind.T5)
        : string.Equals(_config.Model.Path?.Trim(), BackboneFolder.MiniLMKeyword, StringComparison.OrdinalIgnoreCase) ? PromptTask.Family(BackboneKind.MiniLM)
        : PromptTask.Family(BackboneKind.Bert);

    /// <summary>One task of a multitask prompt as a plain PROMPT_TUNING adapter (its composed P̂_k, the paper's footnote 2).</summary>
    private void SaveTaskAdapter(string folder, MultitaskPrompt prompt, int task, string taskName)
    {
        using var single = prompt.ToSoftPrompt(task);
        AtomicFile.ReplaceFolder(folder, dir => SaveAdapter(dir, single, taskName)); // callers write it when missing: never a partial folder
    }

    /// <summary>
    /// The tokenizer of a model section: its tokenizer folder, else the model folder; checked against the model
    /// folder's config.json (<see cref="TokenizerModelPairing"/>), so a tokenizer with ids the model has no embedding
    /// for is refused before any work.
    /// </summary>
    /// <exception cref="InvalidDataException">The tokenizer does not belong to the model (both files and sizes named).</exception>
    public static T5Tokenizer LoadTokenizer(ModelConfig model)
    {
        T5Tokenizer tokenizer;
        if (model.Tokenizer is { } dir) tokenizer = T5Tokenizer.FromFolder(dir);
        else if (Directory.Exists(model.Path) && !File.Exists(Path.Combine(model.Path, "spiece.model")))
            throw new FileNotFoundException($"Model folder '{model.Path}' has no spiece.model: set model.tokenizer (--tokenizer DIR).");
        else tokenizer = T5Tokenizer.FromFolder(model.Path!);
        string configFile = Path.Combine(model.Path!, "config.json");
        if (File.Exists(configFile)) TokenizerModelPairing.Check(tokenizer, T5Config.FromJsonFile(configFile), configFile);
        return tokenizer;
    }

    // Train rows are read again whenever a stage needs them rather than cached: training keeps only their token ids
    // (TaskDataLoader.Tokenize packs them in a TokenIdStore, 2 bytes an id), while the formatted strings take 2 bytes per
    // character, several characters per token, and would stay alive for the whole process (the paper's ~1.1 M source
    // rows; docs/performance.md, issue 17 item 6). Reading a train file is seconds even at MNLI's size; dev and test rows
    // are small and scored again and again, so those are cached.
    private IReadOnlyList<TextToTextRow> RowsOf(TaskDataConfig data, DataSplit split)
    {
        if (split == DataSplit.Train) return TaskDataLoader.Rows(_catalog.Get(data.Task!), data, split, _format);
        if (!_rows.TryGetValue((data.Task!, split), out var rows))
            _rows[(data.Task!, split)] = rows = TaskDataLoader.Rows(_catalog.Get(data.Task!), data, split, _format);
        return rows;
    }

    private IReadOnlyList<TrainingExample> TrainExamples(IBackboneTaskSet set, TaskDataConfig data, int taskId, int maxSourceLength) =>
        set.Examples(RowsOf(data, DataSplit.Train), taskId, maxSourceLength);

    private IReadOnlyList<TextToTextRow> DevRows(TaskDataConfig data) => RowsOf(data, DataSplit.Validation);

    private IReadOnlyList<TrainingExample> Sample(IReadOnlyList<TrainingExample> train, ulong seed) =>
        _config.Adapt.FewShot is int k ? FewShot.Sample(train, Math.Min(k, train.Count), seed, _config.Adapt.FewShotPerClass) : train;

    // The few-shot sample is drawn from the examples exactly as training builds them (the same maximum source length):
    // a shortened length to save tokenisation is not valid for every input format (a text pair needs three special
    // tokens), and the sample must be the one the run trained on.
    private int ReadTrainCount(IBackboneTaskSet set, TaskDataConfig target, ulong seed, int taskId = 0) =>
        _config.Adapt.FewShot is int ? Sample(TrainExamples(set, target, taskId, _config.Adapt.Loop.MaxSourceLength), seed).Count : RowsOf(target, DataSplit.Train).Count;

    private List<SoftPrompt> LoadTeachers(string runDir)
    {
        var teachers = new List<SoftPrompt>();
        foreach (var source in _config.Sources)
        {
            string folder = Path.Combine(runDir, TeachersDir, source.Task!);
            if (!IsFinished(folder))
            {
                foreach (var t in teachers) t.Dispose();
                throw new InvalidOperationException($"distillation needs the teacher of '{source.Task}', but {folder} holds no finished teacher: run 'mpt teachers' with this config first (or set distill.teachers_from).");
            }
            teachers.Add(PromptFile.Load(Path.Combine(folder, RunFolder.PromptFile)) as SoftPrompt
                ?? throw new InvalidDataException($"{folder}: a teacher must be a plain prompt (prompt_embeddings only)."));
        }
        return teachers;
    }

    /// <summary>
    /// With <c>distill.teachers_from</c>, distillation (and SPoT) read another run's teachers; they must be there, finished,
    /// with the student's prompt length (hidden states are compared position by position) — checked before any work
    /// rather than when the distillation starts, after this run's own stages have trained.
    /// </summary>
    private void CheckTeachersFrom(PipelineStages stages)
    {
        if (_config.Distill.TeachersFrom is not { } from) return;
        bool distill = (stages & PipelineStages.Distill) != 0 && _config.Distill.Objective != DistillationObjective.None;
        bool spot = (stages & PipelineStages.Adapt) != 0 && _config.Adapt.Methods.Contains("spot");
        if (!distill && !spot) return;
        foreach (var source in _config.Sources)
        {
            string folder = Path.Combine(from, TeachersDir, source.Task!);
            if (!IsFinished(folder))
                throw new ConfigException($"distill.teachers_from '{from}' holds no finished teacher for source '{source.Task}' ({folder}): " +
                                          "run 'mpt teachers' there first, or unset distill.teachers_from.");
            if (!distill) continue;
            using var teacher = PromptFile.Load(Path.Combine(folder, RunFolder.PromptFile));
            if (teacher.NumVirtualTokens != _config.Distill.PromptLength)
                throw new ConfigException($"distill.teachers_from: the teacher of '{source.Task}' ({folder}) has prompt length {teacher.NumVirtualTokens}, " +
                                          $"but distill.prompt_length is {_config.Distill.PromptLength}: hidden states are compared position by position.");
        }
    }

    private PromptEncoder LoadSourcePrompt()
    {
        if (_config.Adapt.SourcePrompt is { } path)
        {
            if (Directory.Exists(path) && File.Exists(Path.Combine(path, PeftAdapter.ConfigFileName)))
                return PeftAdapter.Load(path, Backbone.Fingerprint).Encoder; // refuses a prompt made for another model
            return PromptFile.Load(path);
        }
        string folder = Path.Combine(RunDir, DistillDir);
        if (!IsFinished(folder))
            throw new InvalidOperationException($"MPT adaptation needs the distilled source prompt, but {folder} holds no finished distillation: run 'mpt distill' first (or set adapt.source_prompt).");
        return PromptFile.Load(Path.Combine(folder, RunFolder.PromptFile));
    }

    /// <summary>
    /// SPoT's initial prompt for <paramref name="target"/>: a copy of the teacher <see cref="SpotSource"/> picks.
    /// </summary>
    private SoftPrompt SpotInit(TaskDataConfig target, IBackboneTaskSet set)
    {
        string task = SpotSource(target, set);
        using var teacher = LoadTeacher(task, "SPoT starts from the teacher of");
        return TargetPrompts.Spot(teacher);
    }

    private readonly Dictionary<string, string> _spotSources = new(StringComparer.Ordinal);

    /// <summary>
    /// The source whose teacher initialises SPoT on <paramref name="target"/> (<c>adapt.spot_source</c> /
    /// <c>adapt.spot_rule</c>): a named source; the first source; or (default) the teacher whose prompt scores best on
    /// the target's dev set before any training — SPoT's own source selection by target performance (Vu et al. 2022,
    /// §3), picked once per target and shared by every seed; ties keep the earlier source.
    /// </summary>
    private string SpotSource(TaskDataConfig target, IBackboneTaskSet set)
    {
        var a = _config.Adapt;
        switch (a.EffectiveSpotRule)
        {
            case AdaptConfig.SpotRuleNamed: return a.SpotSource!;
            case AdaptConfig.SpotRuleFirst: return _config.Sources[0].Task!;
        }
        if (_spotSources.TryGetValue(target.Task!, out var chosen)) return chosen;
        var dev = DevRows(target);
        var scores = new List<(string Task, double Score)>();
        foreach (var source in _config.Sources)
        {
            using var teacher = LoadTeacher(source.Task!, "SPoT picks the best teacher on the target's dev set and needs the teacher of");
            scores.Add((source.Task!, set.Evaluate(set.PromptBackbone.WithPrompt(teacher), 0, dev, a.Loop.MaxSourceLength).Average));
        }
        chosen = scores.First(s => s.Score == scores.Max(x => x.Score)).Task;
        _spotSources[target.Task!] = chosen;
        Progress.Message($"SPoT on {target.Task}: teacher prompts on its dev set before training: " +
            string.Join(", ", scores.Select(s => $"{s.Task} {s.Score:F2}")) + $" → from {chosen}");
        return chosen;
    }

    private SoftPrompt LoadTeacher(string task, string why)
    {
        string folder = Path.Combine(_config.Distill.TeachersFrom ?? RunDir, TeachersDir, task);
        if (!IsFinished(folder))
            throw new InvalidOperationException($"{why} '{task}', but {folder} holds no finished teacher: run 'mpt teachers' first.");
        var prompt = PromptFile.Load(Path.Combine(folder, RunFolder.PromptFile));
        if (prompt is SoftPrompt soft) return soft;
        prompt.Dispose();
        throw new InvalidDataException($"{folder}: the teacher is not a plain prompt.");
    }

    // ---- evaluation ----

    private static double DevScore(IPromptedModel model, IReadOnlyList<(IBackboneTaskSet Set, int TaskId, IReadOnlyList<TextToTextRow> Rows)> sets, int maxSourceLength) =>
        sets.Average(s => s.Set.Evaluate(model, s.TaskId, s.Rows, maxSourceLength).Average);

    private sealed record TaskEvaluationSummary(double Average, IReadOnlyDictionary<string, double> Metrics);

    /// <summary>Test scores of a finished run (read back from test_results.json when a resumed run already has them).</summary>
    private List<TaskEvaluationSummary> TestScores(string folder, PromptEncoder prompt, IBackboneTaskSet set, IReadOnlyList<(TaskDataConfig Target, int TaskId)> targets)
    {
        string file = Path.Combine(folder, TestResultsFile);
        // Under an MPI launcher rank 0 alone evaluates and writes; the other ranks read its file. The first barrier gives
        // every rank the same view of whether the file exists, the second waits for it.
        var group = Distributed.MpiWorld.TrainingGroup;
        group?.Barrier();
        if (!File.Exists(file) && Distributed.MpiWorld.IsWriter)
        {
            var model = set.PromptBackbone.WithPrompt(prompt);
            var results = targets.Select(t => set.Evaluate(model, t.TaskId, RowsOf(t.Target, DataSplit.Test), _config.Adapt.Loop.MaxSourceLength)).ToList();
            // The per-example outcomes first: test_results.json marks the evaluation done, so a crash in between re-evaluates.
            TestPredictionsFile.Write(Path.Combine(folder, TestPredictionsFile.FileName),
                targets.Select((t, i) => TestPredictions.Of(set.Tasks[t.TaskId], RowsOf(t.Target, DataSplit.Test), results[i])).ToList());
            new EvaluationReport(results, new Dictionary<string, object?> { ["split"] = "test" }).WriteJson(file);
        }
        group?.Barrier();
        var tasks = JsonNode.Parse(File.ReadAllText(file))!["tasks"]!.AsObject();
        return targets.Select(t =>
        {
            var entry = tasks[t.Target.Task!] ?? throw new InvalidDataException($"{file}: no results for task '{t.Target.Task}'.");
            var metrics = entry["metrics"]!.AsObject().ToDictionary(kv => kv.Key, kv => Number(kv.Value), StringComparer.Ordinal);
            return new TaskEvaluationSummary(Number(entry["average_metrics"]), metrics);
        }).ToList();
    }

    // EvaluationReport writes an undefined metric as the string "NaN".
    private static double Number(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue(out string? text) ? double.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : node!.GetValue<double>();

    private static MethodResult Summarise(IReadOnlyList<TaskEvaluationSummary> scores, AdaptConfig a, int trainCount, ParameterReport? parameters, double seconds) =>
        RunFolderRecords.Method(a.Seeds, scores.Select(s => (s.Average, s.Metrics)).ToList(), a.FewShot, trainCount, parameters, seconds);

    // ---- results.json sections, read from the run folder so that a stage verb run later still sees earlier stages ----

    /// <summary>Per stage folder: wall clock of all its runs, their updates and (teachers, distillation) the prompts' parameter accounting.</summary>
    private Dictionary<string, StageSummary> StageSummaries()
    {
        var result = new Dictionary<string, StageSummary>(StringComparer.Ordinal);
        foreach (string stage in new[] { TeachersDir, DistillDir, AdaptDir })
        {
            string dir = Path.Combine(RunDir, stage);
            if (!Directory.Exists(dir)) continue;
            double seconds = Directory.EnumerateFiles(dir, WallClock.FileName, SearchOption.AllDirectories)
                .Sum(f => WallClock.Read(Path.GetDirectoryName(f)!));
            var runs = Directory.EnumerateFiles(dir, RunFolder.ResultFile, SearchOption.AllDirectories)
                .Select(f => (Folder: Path.GetDirectoryName(f)!, Training: ReadTraining(Path.GetDirectoryName(f)!)))
                .Where(r => r.Training is not null).ToList();
            long? steps = runs.Count > 0 ? runs.Sum(r => r.Training!.StepsDone) : null;
            Dictionary<string, ParameterReport>? parameters = stage switch
            {
                TeachersDir => runs.ToDictionary(r => Path.GetFileName(r.Folder), r => r.Training!.Parameters, StringComparer.Ordinal),
                DistillDir => runs.ToDictionary(_ => RunFolderRecords.AllTasks, r => r.Training!.Parameters, StringComparer.Ordinal),
                _ => null,
            };
            result[RunFolderRecords.StageOf(stage)] = new StageSummary(seconds, steps, parameters is { Count: > 0 } ? parameters : null);
        }
        return result;
    }

    /// <summary>The backbone: its folder, and when it was loaded in this process its architecture, fingerprint and size.</summary>
    private ModelSummary BackboneSummary() => _backbone is null ? new ModelSummary(_config.Model.Path!) : _backbone.Summary();

    /// <summary>
    /// The prompt files of the task-similarity heatmaps, relative to the run folder: every finished teacher of the
    /// config's sources (also from <c>distill.teachers_from</c>) and the run's distilled prompt when it is a
    /// multitask prompt (PEFT names <c>prompt_embeddings</c>, <c>prefix_task_cols</c>, <c>prefix_task_rows</c>; the
    /// no-decomposition ablation distils a plain prompt, which has no per-task part to compare).
    /// </summary>
    private PromptFiles? PromptFilesOfRun()
    {
        string teachersRoot = Path.GetFullPath(_config.Distill.TeachersFrom ?? RunDir);
        var teachers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in _config.Sources)
        {
            string folder = Path.Combine(teachersRoot, TeachersDir, source.Task!);
            if (IsFinished(folder)) teachers[source.Task!] = Path.GetRelativePath(RunDir, Path.Combine(folder, RunFolder.PromptFile));
        }
        MultitaskPromptFile? multitask = null;
        string distill = Path.Combine(RunDir, DistillDir);
        if (IsFinished(distill))
        {
            using var prompt = PromptFile.Load(Path.Combine(distill, RunFolder.PromptFile));
            if (prompt is MultitaskPrompt m && m.NumTasks == _config.Sources.Count)
                multitask = new MultitaskPromptFile(Path.GetRelativePath(RunDir, Path.Combine(distill, RunFolder.PromptFile)),
                    _config.Sources.Select(s => s.Task!).ToList());
        }
        return teachers.Count == 0 && multitask is null ? null : new PromptFiles(teachers.Count > 0 ? teachers : null, multitask);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_options.Backbone is null) _backbone?.Dispose();
    }
}
