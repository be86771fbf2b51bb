using System.CommandLine;
using Mpt.Quickstart;

namespace Mpt.Cli.Commands;

/// <summary>
/// <c>mpt quickstart [--full] [--config FILE] [...]</c>: the README's first command. Builds (or reuses) the real-data
/// benchmark, runs teachers → distillation → PT / SPoT / MPT few-shot target runs on all-MiniLM-L6-v2, prints the
/// results table and writes the run folder with its report. No ML logic here: see <see cref="QuickstartPipeline"/>.
/// </summary>
public static class QuickstartCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create(CliContext context)
    {
        var full = new Option<bool>("--full") { Description = "Run the complete benchmark (all 6 sources and 6 targets, k = 16 and 32 per class, 5 seeds; hours on 2 cores)." };
        var config = new Option<string?>("--config") { Description = "JSON config (snake_case settings of QuickstartOptions, e.g. configs/quickstart.json); unnamed settings keep the defaults of the preset." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Where the benchmark is built or found (default ~/.cache/mpt/realdata)." };
        var cacheDir = new Option<string?>("--cache-dir") { Description = "Cache of downloaded source packages (default ~/.cache/mpt/sources)." };
        var runDir = new Option<string?>("--run-dir") { Description = "Run folder for metrics, results, prompts and report (default runs/quickstart, or runs/full)." };
        var rebuild = new Option<bool>("--rebuild-data") { Description = "Rebuild the benchmark even if a complete build exists." };
        var noFortunes = new Option<bool>("--no-fortunes") { Description = "Do not fetch the Debian fortunes package (drops the fortune-topic target)." };
        var threads = new Option<int?>("--threads") { Description = "Torch CPU threads (default: one per core)." };
        var groupByLength = CommonOptions.GroupByLength("length_group_factor");
        var numerics = NumericsOptions.Create(defaultOn: true);

        var command = new Command("quickstart", "Run the whole MPT pipeline on real data with all-MiniLM-L6-v2 and print PT vs SPoT vs MPT per target.")
        {
            full, config, dataDir, cacheDir, runDir, rebuild, noFortunes, threads, groupByLength,
        };
        numerics.AddTo(command);
        command.SetAction(parse =>
        {
            var options = parse.GetValue(config) is { } path
                ? QuickstartOptions.Load(path)
                : parse.GetValue(full) ? QuickstartOptions.Full : QuickstartOptions.Default;
            if (parse.GetValue(dataDir) is { } d) options = options with { DataDir = d };
            if (parse.GetValue(cacheDir) is { } c) options = options with { SourceCacheDir = c };
            if (parse.GetValue(runDir) is { } r) options = options with { RunDir = r };
            if (parse.GetValue(rebuild)) options = options with { RebuildData = true };
            if (parse.GetValue(threads) is { } t) options = options with { Threads = t };
            if (parse.GetValue(groupByLength) is { } g) options = options with { LengthGroupFactor = g };
            if (parse.GetValue(noFortunes))
                options = options with { IncludeFortunes = false, Targets = options.Targets.Where(x => x != "fortune-topic").ToList() };
            if (parse.GetValue(config) is not null && parse.GetValue(full))
                context.Error.WriteLine("note: --config given, so --full is ignored (the config file sets every size).");
            NumericsOptions.Apply(numerics.Resolve(parse, configValue: null, verbDefault: true), options.Threads, context.Output);
            QuickstartPipeline.Run(options, context.Output);
            return MptCli.Ok;
        });
        return command;
    }
}
