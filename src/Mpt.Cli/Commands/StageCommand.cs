using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Mpt.Cli.Presets;
using Mpt.Methods;
using Mpt.Pipeline;
using Mpt.Quickstart;
using Mpt.Reports;

namespace Mpt.Cli.Commands;

/// <summary>
/// The pipeline verbs: <c>mpt run</c> (every stage) and <c>mpt teachers</c>, <c>mpt distill</c>, <c>mpt adapt</c> (one
/// stage each). All read one config schema (<see cref="PipelineConfig"/>, <c>--config</c>) with flag overrides
/// (flag &gt; file &gt; defaults), work in a run folder (<c>--run-dir</c>) and resume it (<c>--resume</c>). The work
/// itself is <see cref="PipelineRunner"/>; this class only maps flags to config keys and drives the display.
/// </summary>
public static class StageCommand
{
    private sealed record Flag(Option Option, string KeyPath, Func<object, JsonNode?> ToJson);

    /// <summary>Builds the verb for <paramref name="stages"/> (All = <c>run</c>).</summary>
    public static Command Create(CliContext context, PipelineStages stages)
    {
        var (name, description, section) = stages switch
        {
            PipelineStages.All => ("run", "Run the whole pipeline from one config: teachers → distill → adapt per target (and baselines) → test results.", (string?)null),
            PipelineStages.Teachers => ("teachers", "Train one teacher prompt per source task (vanilla prompt tuning).", "teachers"),
            PipelineStages.Distill => ("distill", "Distil the teachers into one decomposed multitask prompt (MPT source training).", "distill"),
            PipelineStages.Adapt => ("adapt", "Adapt to target tasks (MPT, MPT*, PT/SPoT baselines, few-shot, seeds) and evaluate on test.", "adapt"),
            _ => throw new ArgumentOutOfRangeException(nameof(stages)),
        };
        var config = new Option<string?>("--config", "-c") { Description = "Config file (JSON, snake_case; see configs/). Flags override it." };
        var preset = new Option<string?>("--preset")
        {
            Description = "Start from a named preset instead of a config file: paper (the paper's T5-Base recipe) or quickstart / quickstart-full " +
                          "(configs/quickstart*.json, sized for MiniLM). Default without --config: quickstart for an encoder (minilm, a BERT folder), paper for T5.",
        };
        preset.AcceptOnlyFromAmong([.. RunPresets.Names]);
        var runDir = new Option<string>("--run-dir") { Description = "Run folder: config, metrics.jsonl, checkpoints, prompts, results.json.", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted run folder; finished runs are skipped." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Plain log lines instead of progress bars." };
        var set = new Option<string[]>("--set") { Description = "Override any config key: --set distill.lambda=0.5 (repeatable).", AllowMultipleArgumentsPerToken = false };
        var threads = CommonOptions.Threads();
        var numerics = NumericsOptions.Create(defaultOn: false, configKey: "reproducible");
        var shard = new Option<string?>("--shard")
        {
            Description = "Job arrays: train only shard INDEX of COUNT of the stage's work items (teachers: one per source; adapt: target x method x seed), " +
                          "round-robin over the sorted items; shards share one --run-dir. Default: from SLURM_ARRAY_TASK_ID/COUNT/MIN or " +
                          "JOB_COMPLETION_INDEX + --shard-count; 'off' ignores them (docs/sharding.md).",
            HelpName = "INDEX/COUNT",
        };
        var shardCount = new Option<int?>("--shard-count")
        {
            Description = $"Number of shards for an index from the environment: with JOB_COMPLETION_INDEX (else {Shard.CountVariable} gives it); replaces SLURM_ARRAY_TASK_COUNT.",
        };
        var gather = new Option<bool>("--gather") { Description = "Gather the finished work items of shards into results.json and the report without training; names the items that are not done." };
        var stopAfter = new Option<long?>("--stop-after-steps") { Description = "Stop as if killed after N training steps (testing resume).", Hidden = true };

        var flags = new List<Flag>
        {
            Str(new Option<string?>("--model") { Description = "Hugging Face T5 or BERT folder, or minilm for the embedded all-MiniLM-L6-v2 encoder (model.path)." }, "model.path"),
            Str(new Option<string?>("--tokenizer") { Description = "Tokenizer folder when the model folder has no spiece.model (model.tokenizer)." }, "model.tokenizer"),
            Str(Choice(new Option<string?>("--device") { Description = "cpu or cuda[:N] (model.device; cuda needs a CUDA libtorch)." }), "model.device"),
            Str(Choice(new Option<string?>("--dtype") { Description = "Backbone dtype: float32, bfloat16, or auto (bfloat16 only where its GEMM is >= 1.15x float32's here, measured once per machine and cached; float32 in the reproducible mode) (model.dtype)." }, "float32", "bfloat16", "auto"), "model.dtype"),
            Str(Choice(new Option<string?>("--dropout-kernel") { Description = "How dropout masks are drawn while training: exact (libtorch F.dropout) or parallel_chunks (same distribution, another random stream, drawn on several threads) (model.dropout_kernel)." }, "exact", "parallel_chunks"), "model.dropout_kernel"),
            Str(Choice(new Option<string?>("--attention-kernel") { Description = "How a T5 backbone computes attention: fused (libtorch scaled_dot_product_attention where attention dropout is off, default) or math (HF's explicit form everywhere) (model.attention_kernel)." }, Mpt.Model.AttentionKernelNames.Fused, Mpt.Model.AttentionKernelNames.Math), "model.attention_kernel"),
            Bool(new Option<bool>("--activation-checkpointing") { Description = "T5 backbones: recompute each block in the backward instead of keeping its activations while training; less memory, about one more forward per step, same results (model.activation_checkpointing)." }, "model.activation_checkpointing"),
            Str(new Option<string?>("--task-file") { Description = "JSON file with extra task definitions (task_file)." }, "task_file"),
        };
        var sources = new Option<string[]>("--source") { Description = "Source task and data, TASK=PATH, or a real-data benchmark task by name, e.g. word-polarity (built on demand) (repeatable; replaces the config's sources)." };
        var targets = new Option<string[]>("--target") { Description = "Target task and data, TASK=PATH (a data folder, or a built benchmark folder), or a benchmark task by name (repeatable; replaces the config's targets)." };
        if (section is not null)
        {
            flags.Add(Num(new Option<double?>("--epochs") { Description = $"Epochs ({section}.loop.epochs)." }, $"{section}.loop.epochs"));
            flags.Add(Num(new Option<long?>("--max-steps") { Description = $"Optimizer updates, overriding epochs ({section}.loop.max_steps)." }, $"{section}.loop.max_steps"));
            flags.Add(Num(new Option<int?>("--batch-size") { Description = $"Examples per batch ({section}.loop.batch_size)." }, $"{section}.loop.batch_size"));
            flags.Add(Num(CommonOptions.GroupByLength($"{section}.loop.length_group_factor"), $"{section}.loop.length_group_factor"));
            flags.Add(Num(new Option<long?>("--seed") { Description = $"Loop seed ({section}.loop.seed)." }, $"{section}.loop.seed"));
            flags.Add(Num(new Option<int?>("--eval-every") { Description = $"Dev evaluation every N steps ({section}.loop.eval_every_steps)." }, $"{section}.loop.eval_every_steps"));
            flags.Add(Num(new Option<int?>("--checkpoint-every") { Description = $"Checkpoint every N steps ({section}.loop.checkpoint_every_steps)." }, $"{section}.loop.checkpoint_every_steps"));
        }
        switch (stages)
        {
            case PipelineStages.Teachers:
                flags.Add(Num(new Option<int?>("--prompt-length") { Description = "Prompt length l (teachers.prompt_length)." }, "teachers.prompt_length"));
                flags.Add(Num(new Option<double?>("--lr") { Description = "Learning rate (teachers.learning_rate)." }, "teachers.learning_rate"));
                break;
            case PipelineStages.Distill:
                flags.Add(Num(new Option<double?>("--lambda") { Description = "λ of the distillation loss (distill.lambda)." }, "distill.lambda"));
                flags.Add(Str(Choice(new Option<string?>("--objective") { Description = "Distillation objective (distill.objective; ablations)." },
                    "logits_and_hidden", "logits_only", "none", "prompt_mse"), "distill.objective"));
                flags.Add(Bool(new Option<bool>("--no-decomposition") { Description = "Ablation: one plain prompt, no P* ∘ uv (distill.decomposition=false)." }, "distill.decomposition", invert: true));
                flags.Add(Bool(new Option<bool>("--no-task-sampling") { Description = "Ablation: no stochastic task sampling (distill.stochastic_task_sampling=false)." }, "distill.stochastic_task_sampling", invert: true));
                flags.Add(Str(new Option<string?>("--teachers-from") { Description = "Run folder holding the teachers (distill.teachers_from)." }, "distill.teachers_from"));
                break;
            case PipelineStages.Adapt:
                flags.Add(Str(Choice(new Option<string?>("--update") { Description = "Ablation: which MPT parameters train (adapt.update)." },
                    [.. AdaptMethods.Updates]), "adapt.update"));
                flags.Add(Num(new Option<int?>("--few-shot") { Description = "Train on K examples per seed (adapt.few_shot)." }, "adapt.few_shot"));
                flags.Add(Bool(new Option<bool>("--multi-target") { Description = "MPT*: one P* shared by all targets (adapt.multi_target)." }, "adapt.multi_target"));
                flags.Add(Str(new Option<string?>("--source-prompt") { Description = "Source prompt file or PEFT folder instead of the run's distilled one (adapt.source_prompt)." }, "adapt.source_prompt"));
                break;
        }
        var baseline = new Option<string[]>("--baseline") { Description = $"Also run a baseline: {string.Join(" or ", AdaptMethods.Baselines)} (repeatable; adds to adapt.methods)." };
        baseline.AcceptOnlyFromAmong([.. AdaptMethods.Baselines]);
        var seeds = new Option<int?>("--seeds") { Description = "Run N seeds (adapt.loop.seed, +1, ...); results are mean ± std (adapt.seeds)." };

        var command = new Command(name, description) { config, preset, runDir, resume, quiet, set, threads };
        foreach (var f in flags) command.Add(f.Option);
        if (stages is PipelineStages.All or PipelineStages.Teachers or PipelineStages.Distill) command.Add(sources);
        if (stages is PipelineStages.All or PipelineStages.Adapt) { command.Add(targets); command.Add(baseline); command.Add(seeds); }
        if (stages == PipelineStages.Adapt) command.Add(sources);
        command.Add(shard);
        command.Add(shardCount);
        command.Add(gather);
        command.Add(stopAfter);
        numerics.AddTo(command);

        command.SetAction(parse =>
        {
            var overrides = new List<KeyValuePair<string, JsonNode?>>();
            foreach (string assignment in parse.GetValue(set) ?? []) overrides.Add(ConfigJson.ParseAssignment(assignment));
            foreach (var f in flags)
            {
                object? value = parse.GetResult(f.Option) is { } r && !r.Implicit ? r.GetValueOrDefault<object?>() : null;
                if (value is not null) overrides.Add(new(f.KeyPath, f.ToJson(value)));
            }
            var (presetName, presetNote) = ChoosePreset(parse.GetValue(config), parse.GetValue(preset), overrides);
            if (parse.GetValue(sources) is { Length: > 0 } s) overrides.Add(new("sources", TaskList(s, "--source", presetName, "sources")));
            if (parse.GetValue(targets) is { Length: > 0 } t) overrides.Add(new("targets", TaskList(t, "--target", presetName, "targets")));
            var cfg = presetName is null ? ConfigJson.Load(parse.GetValue(config), overrides) : RunPresets.Load(presetName, overrides);
            NumericsOptions.Apply(numerics.Resolve(parse, cfg.Reproducible, verbDefault: false), parse.GetValue(threads), context.Output);
            // After Apply: a reproducible run re-executes itself there, and the line should be printed once, by the process that runs.
            if (presetNote is not null) context.Output.WriteLine(presetNote);
            if (parse.GetValue(baseline) is { Length: > 0 } extra)
                cfg = cfg with { Adapt = cfg.Adapt with { Methods = cfg.Adapt.Methods.Concat(extra).Distinct().ToList() } };
            if (parse.GetValue(seeds) is int n)
            {
                if (n < 1) throw new ConfigException($"--seeds must be >= 1, got {n}.");
                cfg = cfg with { Adapt = cfg.Adapt with { Seeds = Enumerable.Range(0, n).Select(i => cfg.Adapt.Loop.Seed + (ulong)i).ToList() } };
            }
            var (chosenShard, shardNote) = ChooseShard(stages, name, parse.GetValue(shard), parse.GetValue(shardCount), parse.GetValue(gather));
            if (shardNote is not null) context.Output.WriteLine(shardNote);
            return Execute(context, cfg, stages, parse.GetValue(runDir)!, parse.GetValue(resume), parse.GetValue(quiet), parse.GetValue(stopAfter), name,
                chosenShard, parse.GetValue(gather));
        });
        return command;
    }

    /// <summary>
    /// The shard of a stage verb (<see cref="Shard.Resolve"/>: <c>--shard</c>, else a Slurm array or Kubernetes Indexed Job
    /// in the environment). Only teachers and adapt have independent items; <c>run</c> and <c>distill</c> refuse an explicit
    /// shard and ignore the environment (a whole pipeline or the distillation inside an array job runs whole), and so does a
    /// gather, which collects every shard's items.
    /// </summary>
    private static (Shard? Shard, string? Note) ChooseShard(PipelineStages stages, string verb, string? flag, int? count, bool gather)
    {
        bool explicitShard = flag is not null && !string.Equals(flag, Shard.Off, StringComparison.OrdinalIgnoreCase);
        if (gather)
        {
            if (explicitShard || count is not null) throw new ArgumentException("--gather collects the items of every shard: drop --shard / --shard-count.");
            return (null, null);
        }
        if (stages is not (PipelineStages.Teachers or PipelineStages.Adapt))
        {
            if (explicitShard || count is not null)
                throw new ArgumentException($"--shard applies to mpt teachers and mpt adapt, whose items are independent; mpt {verb} " +
                    (stages == PipelineStages.Distill ? "is one run over every teacher" : "chains stages that each need all of the previous one") +
                    ": run 'mpt teachers --shard', then 'mpt distill', then 'mpt adapt --shard', then gather with 'mpt run --resume --gather' (docs/sharding.md).");
            return (null, null);
        }
        return Shard.Resolve(flag, count, Environment.GetEnvironmentVariable);
    }

    /// <summary>
    /// The preset a verb starts from: null when <c>--config</c> names a file (the file is the start); else <c>--preset</c>,
    /// or without it the one that fits the backbone's kind (<see cref="RunPresets.ForModel"/>), with the line that announces
    /// that choice.
    /// </summary>
    private static (string? Name, string? Note) ChoosePreset(string? configFile, string? preset, IReadOnlyList<KeyValuePair<string, JsonNode?>> overrides)
    {
        if (configFile is not null)
        {
            if (preset is not null) throw new ConfigException($"--preset {preset} and --config {configFile} both give the starting settings: keep one.");
            return (null, null);
        }
        if (preset is not null) return (preset, null);
        string? model = overrides.LastOrDefault(o => o.Key == "model.path").Value is JsonValue v && v.TryGetValue(out string? path) ? path : null;
        string chosen = RunPresets.ForModel(model);
        string? note = chosen == RunPresets.Paper ? null
            : $"preset {chosen}: {model} is an encoder and no --config is given, so the training settings are configs/{chosen}.json's " +
              "(prompt length 10, short stages, 16-shot targets, 3 seeds, baselines); --preset paper for the paper's T5-Base recipe.";
        return (chosen, note);
    }

    /// <summary>Runs <paramref name="stages"/> of <paramref name="cfg"/> in <paramref name="runDir"/> with progress and Ctrl+C
    /// handling, prints the summary; an interrupted run prints the command that resumes it.</summary>
    internal static int Execute(CliContext context, PipelineConfig cfg, PipelineStages stages, string runDir, bool resume, bool quiet, long? stopAfter, string verb,
        Shard? shard = null, bool gather = false)
    {
        cfg.Validate(stages);
        var stop = new StopSignal(stopAfter);
        bool interactive = !quiet && ReferenceEquals(context.Output, Console.Out) && !Console.IsOutputRedirected;
        var spectre = interactive ? new SpectreProgress() : null;
        IPipelineProgress progress = spectre is not null ? spectre : new PlainProgress(context.Output);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (stop.IsRequested) return; // second Ctrl+C: let the process end (the last checkpoint stays valid)
            e.Cancel = true;
            stop.Request();
            context.Error.WriteLine("Ctrl+C: writing a checkpoint after the current step and stopping (press Ctrl+C again to abort at once, losing the steps since the last checkpoint).");
        };
        Console.CancelKeyPress += onCancel;
        // SIGTERM (a scheduler preempting the job, `docker stop`, systemd, `kill`) is treated as the first Ctrl+C: the
        // current step finishes, a checkpoint is written and the process exits 130 with the resume command. A second
        // SIGTERM is not cancelled, so the process ends at once (the last checkpoint stays valid).
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            if (stop.IsRequested) return;
            signal.Cancel = true;
            stop.Request();
            context.Error.WriteLine("SIGTERM: writing a checkpoint after the current step and stopping (a second SIGTERM ends the process at once).");
        });
        try
        {
            using var runner = new PipelineRunner(cfg, runDir, new PipelineRunOptions
            {
                Resume = resume, Progress = progress, Stop = stop, TaskData = BenchmarkTaskResolver.Instance, Reporter = new MarkdownRunReporter(),
                Shard = shard, Gather = gather,
            });
            if (shard is not null)
            {
                var done = spectre is not null ? spectre.Run(() => runner.RunShard(stages)) : runner.RunShard(stages);
                WriteShardSummary(context, done, verb, runDir);
                return MptCli.Ok;
            }
            PipelineOutcome outcome = spectre is not null ? spectre.Run(() => runner.Run(stages)) : runner.Run(stages);
            RunSummary.Write(context.Output, outcome.Results, cfg, runner.RunDir);
            if (outcome.Report is { } report) context.Output.WriteLine($"Report: {report}");
            // The run's results are safe in results.json, so a failed report is a warning and the exit code stays 0.
            if (outcome.ReportError is { } error)
                context.Error.WriteLine($"warning: the report was not written ({error}); the results are in {Path.Combine(runner.RunDir, PipelineRunner.ResultsFile)}.");
            return MptCli.Ok;
        }
        catch (RunInterruptedException e)
        {
            var args = context.Args.Count > 0 ? context.Args.ToList() : [verb, "--run-dir", runDir];
            int hidden = args.IndexOf("--stop-after-steps");
            if (hidden >= 0) args.RemoveRange(hidden, Math.Min(2, args.Count - hidden));
            if (!args.Contains("--resume")) args.Add("--resume");
            context.Error.WriteLine($"interrupted: {e.Message}");
            context.Error.WriteLine($"resume with: mpt {string.Join(' ', args.Select(Quote))}");
            return MptCli.Interrupted;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>What a shard did, and what is left: the items of other shards, or the command that gathers them.</summary>
    private static void WriteShardSummary(CliContext context, ShardOutcome done, string verb, string runDir)
    {
        context.Output.WriteLine(done.Items.Count == 0
            ? $"shard {done.Shard}: no work items (the stage has {done.TotalItems}, fewer than the {done.Shard.Count} shards)."
            : $"shard {done.Shard}: {done.Items.Count} of {done.TotalItems} work items done: {string.Join(", ", done.Items)}");
        if (done.Remaining.Count > 0)
        {
            context.Output.WriteLine($"{done.Remaining.Count} item(s) of other shards not done yet: {string.Join(", ", done.Remaining)}");
            return;
        }
        var args = context.Args.Count > 0 ? context.Args.ToList() : [verb, "--run-dir", runDir];
        foreach (string flag in new[] { "--shard", "--shard-count" })
            for (int at = args.IndexOf(flag); at >= 0; at = args.IndexOf(flag)) args.RemoveRange(at, Math.Min(2, args.Count - at));
        args.RemoveAll(a => a == "--resume" || a.StartsWith("--shard=", StringComparison.Ordinal) || a.StartsWith("--shard-count=", StringComparison.Ordinal));
        args.Add("--gather");
        context.Output.WriteLine($"every item of the stage is done; gather with: mpt {string.Join(' ', args.Select(Quote))}");
    }

    private static string Quote(string a) => a.Any(char.IsWhiteSpace) ? $"'{a}'" : a;

    /// <summary>The entries of <c>--source</c> / <c>--target</c> flags; under a preset each takes its example caps (<see cref="RunPresets.EntryCaps"/>).</summary>
    private static JsonArray TaskList(string[] items, string flag, string? preset, string listKey)
    {
        var caps = preset is null ? new JsonObject() : RunPresets.EntryCaps(preset, listKey);
        var list = new JsonArray();
        foreach (string item in items)
        {
            int eq = item.IndexOf('=');
            JsonObject entry;
            // A bare name is a real-data benchmark task, built on demand (e.g. --source word-polarity).
            if (eq < 0 && item.Length > 0) entry = new JsonObject { ["task"] = item };
            else if (eq <= 0 || eq == item.Length - 1) throw new ConfigException($"{flag} '{item}' must look like TASK=PATH (e.g. rte=data/glue/rte) or name a benchmark task (e.g. word-polarity).");
            else entry = new JsonObject { ["task"] = item[..eq], ["data"] = item[(eq + 1)..] };
            foreach (var (key, value) in caps) entry[key] = value?.DeepClone();
            list.Add(entry);
        }
        return list;
    }

    private static Option<string?> Choice(Option<string?> option, params string[] values)
    {
        if (values.Length > 0) option.AcceptOnlyFromAmong(values);
        return option;
    }

    private static Flag Str(Option<string?> o, string key) => new(o, key, v => JsonValue.Create((string)v));

    private static Flag Num<T>(Option<T?> o, string key) where T : struct =>
        new(o, key, v => JsonNode.Parse(Convert.ToString(v, CultureInfo.InvariantCulture)!));

    private static Flag Bool(Option<bool> o, string key, bool invert = false) => new(o, key, v => JsonValue.Create(invert ? !(bool)v : (bool)v));
}
