using System.CommandLine;
using System.Text.Json.Nodes;
using Mpt.Cli.Presets;
using Mpt.Pipeline;
using Mpt.Quickstart;

namespace Mpt.Cli.Commands;

/// <summary>
/// <c>mpt quickstart [--full] [--config FILE] [...]</c>: the README's first command, a preset of <c>mpt run</c>. Builds
/// (or reuses) the real-data benchmark, then runs the pipeline (<see cref="PipelineRunner"/>) on the
/// <c>quickstart</c> preset (<c>configs/quickstart.json</c>, or <c>quickstart-full</c> with <c>--full</c>): teachers →
/// distillation → majority / no-prompt / PT / SPoT / MPT few-shot target runs on all-MiniLM-L6-v2, the results table,
/// the run folder with its report. Resumable like any run (<c>--resume</c>).
/// </summary>
public static class QuickstartCommand
{
    /// <summary>The benchmark target that needs the Debian fortunes package (dropped by <c>--no-fortunes</c>).</summary>
    public const string FortuneTask = "fortune-topic";

    /// <summary>Builds the verb.</summary>
    public static Command Create(CliContext context)
    {
        var full = new Option<bool>("--full") { Description = "Run the complete benchmark (preset quickstart-full: all 6 sources and 6 targets, 5 seeds; hours on 2 cores)." };
        var config = new Option<string?>("--config") { Description = "Pipeline config file instead of the preset (the mpt run schema, e.g. a copy of configs/quickstart.json)." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Where the benchmark is built or found (default ~/.cache/mpt/realdata)." };
        var cacheDir = new Option<string?>("--cache-dir") { Description = "Cache of downloaded source packages (default ~/.cache/mpt/sources)." };
        var runDir = new Option<string?>("--run-dir") { Description = "Run folder for config, metrics, prompts, results and report (default runs/quickstart, or runs/full)." };
        var rebuild = new Option<bool>("--rebuild-data") { Description = "Rebuild the benchmark even if a complete build exists." };
        var noFortunes = new Option<bool>("--no-fortunes") { Description = "Do not fetch the Debian fortunes package (drops the fortune-topic target)." };
        var threads = CommonOptions.Threads();
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted quickstart run folder; finished runs are skipped." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Plain log lines instead of progress bars." };
        var set = new Option<string[]>("--set") { Description = "Override any config key of the preset: --set adapt.seeds=[1] (repeatable).", AllowMultipleArgumentsPerToken = false };
        var groupByLength = CommonOptions.GroupByLength("the loop.length_group_factor of every stage");
        var stopAfter = new Option<long?>("--stop-after-steps") { Description = "Stop as if killed after N training steps (testing resume).", Hidden = true };
        var numerics = NumericsOptions.Create(defaultOn: true, configKey: "reproducible");

        var command = new Command("quickstart", "Run the whole MPT pipeline on real data with all-MiniLM-L6-v2 (a preset of mpt run) and print PT vs SPoT vs MPT per target.")
        {
            full, config, dataDir, cacheDir, runDir, rebuild, noFortunes, threads, resume, quiet, set, groupByLength, stopAfter,
        };
        numerics.AddTo(command);
        command.SetAction(parse =>
        {
            var overrides = new List<KeyValuePair<string, JsonNode?>>();
            if (parse.GetValue(groupByLength) is { } g)
                foreach (string stage in new[] { "teachers", "distill", "adapt" }) overrides.Add(new($"{stage}.loop.length_group_factor", g));
            foreach (string assignment in parse.GetValue(set) ?? []) overrides.Add(ConfigJson.ParseAssignment(assignment));
            bool isFull = parse.GetValue(full);
            PipelineConfig cfg;
            if (parse.GetValue(config) is { } path)
            {
                if (isFull) context.Error.WriteLine("note: --config given, so --full is ignored (the config file sets every size).");
                cfg = ConfigJson.Load(path, overrides);
            }
            else cfg = RunPresets.Load(isFull ? RunPresets.QuickstartFull : RunPresets.Quickstart, overrides);
            bool fortunes = !parse.GetValue(noFortunes);
            if (!fortunes)
                cfg = cfg with { Sources = [.. cfg.Sources.Where(t => t.Task != FortuneTask)], Targets = [.. cfg.Targets.Where(t => t.Task != FortuneTask)] };
            cfg.Validate(PipelineStages.All); // a config error is one line before the benchmark is built or a model loaded
            // Before the data work: the reproducible mode re-executes the process, which must not check the benchmark twice.
            NumericsOptions.Apply(numerics.Resolve(parse, cfg.Reproducible, verbDefault: true), parse.GetValue(threads), context.Output);
            cfg = WithBenchmarkData(context, cfg, parse.GetValue(dataDir) ?? BenchmarkTasks.DefaultDataDir, parse.GetValue(cacheDir), parse.GetValue(rebuild), fortunes);
            string run = parse.GetValue(runDir) ?? Path.Combine("runs", isFull && parse.GetValue(config) is null ? "full" : "quickstart");
            return StageCommand.Execute(context, cfg, PipelineStages.All, run, parse.GetValue(resume), parse.GetValue(quiet), parse.GetValue(stopAfter), "quickstart");
        });
        return command;
    }

    /// <summary>
    /// Builds the benchmark into <paramref name="dataDir"/> (or reuses a complete build there) for every task the config
    /// names without data, and points those entries at it; the pipeline resolves a built benchmark folder to the task's folder.
    /// </summary>
    private static PipelineConfig WithBenchmarkData(CliContext context, PipelineConfig cfg, string dataDir, string? cacheDir, bool rebuild, bool fortunes)
    {
        var byName = cfg.Sources.Concat(cfg.Targets).Where(t => t.Data is null).Select(t => t.Task!).Distinct(StringComparer.Ordinal).ToList();
        if (byName.Count == 0) return cfg;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        BenchmarkTasks.Ensure(dataDir, byName, line => context.Output.WriteLine($"[data] {line}"), cacheDir, rebuild, fortunes);
        context.Output.WriteLine($"[data] ready in {clock.Elapsed.TotalSeconds:F1} s");
        TaskDataConfig Point(TaskDataConfig t) => t.Data is null ? t with { Data = dataDir } : t;
        return cfg with { Sources = [.. cfg.Sources.Select(Point)], Targets = [.. cfg.Targets.Select(Point)] };
    }
}
