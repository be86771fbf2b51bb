using System.CommandLine;
using Mpt.Metrics;
using Mpt.Pipeline;
using Mpt.Reports;

namespace Mpt.Cli.Commands;

/// <summary>
/// <c>mpt report RUN_DIR</c>: (re)writes the Markdown/HTML report with its PNG plots from a run folder's metrics.jsonl,
/// results.json and prompts — e.g. after an interrupted run, or with other plot options.
/// </summary>
public static class ReportCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create(CliContext context)
    {
        var runDir = new Argument<string>("run-dir") { Description = "A run folder written by mpt run/teachers/distill/adapt/quickstart." };
        var linear = new Option<bool>("--linear-loss") { Description = "Plot losses on a linear axis instead of a log axis." };
        var smooth = new Option<int>("--smooth") { Description = "Moving-average window for the loss curves (1 = none).", DefaultValueFactory = _ => 1 };
        var title = new Option<string?>("--title") { Description = "Report title." };
        var resamples = new Option<int>("--resamples")
        {
            Description = "Bootstrap resamples of the paired comparisons, recomputed from the run's per-example test predictions.",
            DefaultValueFactory = _ => PairedBootstrap.DefaultResamples,
        };
        var selection = new Option<bool>("--selection")
        {
            Description = "Instead of the report, replay the checkpoint-selection rules on the target runs that recorded their test curves " +
                          "(adapt.record_test_curve, analysis only) and print what each rule keeps and scores.",
        };
        var reference = new Option<string>("--reference")
        {
            Description = $"With --selection: the rule the differences are taken against ({string.Join(", ", SelectionReplay.Rules.Select(r => r.Name))}). " +
                          "Default: the rule the run's config used.",
        };
        var spread = new Option<string[]>("--prompt-spread")
        {
            Description = "Instead of the report, compare the run's distilled prompt with those of these run folders (or distillation folders, " +
                          "PEFT adapters, prompt files): relative Frobenius distance and cosine of P*, of each source's composed prompt and of " +
                          "the MPT target init, pair by pair (e.g. distillations that differ only in distill.loop.seed; docs/results.md).",
            AllowMultipleArgumentsPerToken = true,
        };
        var pool = new Option<string[]>("--pool")
        {
            Description = "Instead of the report, print the paired comparisons pooled over this run folder and these others of the same design " +
                          "(e.g. runs that differ only in distill.loop.seed): the interval resamples the folders as well as seeds and test examples " +
                          "(docs/statistics.md). Nothing is written.",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("report", "Write the Markdown/HTML report with plots (loss, dev metric, task similarity) for a run folder.")
        {
            runDir, linear, smooth, title, resamples, selection, reference, spread, pool,
        };
        command.SetAction(parse =>
        {
            string dir = parse.GetValue(runDir)!;
            if (parse.GetValue(spread) is { Length: > 0 } others)
            {
                context.Output.Write(PromptSpreadLines(dir, others));
                return MptCli.Ok;
            }
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: run folder not found.");
            int count = parse.GetValue(resamples);
            if (count < 1) throw new ArgumentException($"--resamples must be at least 1, got {count}.");
            if (parse.GetValue(pool) is { Length: > 0 } pooled)
            {
                var folders = new[] { dir }.Concat(pooled).ToList();
                foreach (string folder in pooled)
                    if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: run folder not found (--pool).");
                var outcome = RunComparisons.ComputePooled(folders, new PairedBootstrap(count));
                foreach (string note in outcome.Notes) context.Output.WriteLine($"comparisons: {note}");
                string lines = ComparisonLines.Format(outcome.Comparisons, folders.Count);
                // Said outright, so an empty answer is not mistaken for "no difference anywhere".
                context.Output.Write(lines.Length > 0 ? lines
                    : $"comparisons: nothing to pool: no target has two compared methods with per-example test predictions in all {folders.Count} run folders" +
                      (outcome.Notes.Count > 0 ? " (the notes above say what is missing)." : ".") + Environment.NewLine);
                return MptCli.Ok;
            }
            if (parse.GetValue(selection))
            {
                var runs = SelectionReplay.Load(dir);
                string rule = parse.GetValue(reference) ?? ConfiguredRule(dir);
                context.Output.Write(SelectionLines.Format(SelectionReplay.Replay(runs, rule, new PairedBootstrap(count)), runs.Count));
                return MptCli.Ok;
            }
            var options = new ReportOptions { LogScaleLoss = !parse.GetValue(linear), LossSmoothingWindow = parse.GetValue(smooth) };
            if (parse.GetValue(title) is { } t) options = options with { Title = t };
            // The comparisons are recomputed from the stored per-example predictions (results.json gets them), so a
            // folder written before they existed, or with another resample count, is brought up to date.
            if (RunComparisons.Refresh(dir, new PairedBootstrap(count)) is { } comparisons)
            {
                foreach (string note in comparisons.Notes) context.Output.WriteLine($"comparisons: {note}");
                context.Output.Write(ComparisonLines.Format(comparisons.Comparisons));
            }
            var output = RunReport.Write(dir, options);
            context.Output.WriteLine($"report {output.Markdown}");
            if (output.Html is not null) context.Output.WriteLine($"html   {output.Html}");
            context.Output.WriteLine($"{output.Figures.Count} figure(s)");
            foreach (string missing in output.Missing) context.Output.WriteLine($"missing: {missing}");
            return MptCli.Ok;
        });
        return command;
    }

    /// <summary>
    /// The distances between the distilled prompts at <paramref name="first"/> and <paramref name="others"/>; the source
    /// tasks are named after the first run's config.json when it has one (else by index).
    /// </summary>
    private static string PromptSpreadLines(string first, IReadOnlyList<string> others)
    {
        var paths = new[] { first }.Concat(others).ToList();
        foreach (string path in paths)
            if (!Directory.Exists(path) && !File.Exists(path)) throw new FileNotFoundException($"{path}: no run folder or prompt file there.", path);
        var prompts = new List<Prompts.MultitaskPrompt>();
        try
        {
            foreach (string path in paths) prompts.Add(PromptSpread.Load(path));
            // Only a pipeline run folder (with a distill/ stage folder) has the pipeline config.json that names the sources;
            // a stage folder's config.json holds that stage's training options.
            string config = Path.Combine(first, PipelineRunner.ConfigFile);
            bool pipelineRun = Directory.Exists(Path.Combine(first, PipelineRunner.DistillDir)) && File.Exists(config);
            var sources = pipelineRun ? ConfigJson.Parse(File.ReadAllText(config), config).Sources.Select(s => s.Task!).ToList() : [];
            var tasks = sources.Count == prompts[0].NumTasks ? sources : Enumerable.Range(0, prompts[0].NumTasks).Select(k => $"{k}").ToList();
            return PromptSpread.Format(paths, PromptSpread.Compare(prompts, tasks));
        }
        finally
        {
            foreach (var p in prompts) p.Dispose();
        }
    }

    /// <summary>The replay name of the selection rule the run folder's config.json used (dev_metric with step 0 when it cannot tell).</summary>
    private static string ConfiguredRule(string dir)
    {
        string file = Path.Combine(dir, PipelineRunner.ConfigFile);
        if (!File.Exists(file)) return SelectionReplay.RuleOf(AdaptConfig.SelectionDevMetric, stepZero: true);
        var adapt = ConfigJson.Parse(File.ReadAllText(file), file).Adapt;
        return SelectionReplay.RuleOf(adapt.EffectiveSelection, adapt.SelectsStepZero);
    }
}
