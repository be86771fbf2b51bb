using Mpt.Metrics;
using Mpt.Pipeline;
using Mpt.RealData;
using Mpt.Tasks;
using Mpt.Tasks.Formatters;

namespace Mpt.Quickstart;

/// <summary>
/// The real-data benchmark's tasks (word-polarity, wn-supersense, brown-genre, sotu-era, uci-amazon, ...) as tasks of
/// the pipeline: built on demand into the per-user cache, as the quickstart does, and registered in the task catalogue
/// with their labels and label descriptions, so <c>--source word-polarity</c> works like any task with data.
/// </summary>
public static class BenchmarkTasks
{
    /// <summary>
    /// Where benchmark tasks named without data are built: <c>realdata</c> next to the package cache,
    /// <c>~/.cache/mpt/realdata</c> (or under <c>$XDG_CACHE_HOME</c>) — outside the repository, since most built files
    /// may not be committed (docs/data.md, Licences).
    /// </summary>
    public static string DefaultDataDir => Path.Combine(Path.GetDirectoryName(RealDataOptions.DefaultCacheDir)!, "realdata");

    /// <summary>The catalogue definition of a built task: its splits as they are, accuracy, labels with descriptions.</summary>
    public static TaskDefinition Definition(BuiltTask task) => new()
    {
        Name = task.Name,
        Prefix = task.Name,
        Template = [new SourceField("", LabelledTextFormatter.Text)],
        Labels = task.Labels.Select(l => l.Name).ToList(),
        LabelDescriptions = task.Labels.ToDictionary(l => l.Name, l => l.Description, StringComparer.Ordinal),
        Formatter = new LabelledTextFormatter(),
        Metrics = [MetricKind.Accuracy],
        SplitRule = SplitRule.Own,
        DataSplits = new DataSplitMap("train", "validation", "test"),
        Schema = LabelledTextFormatter.Schema,
    };

    /// <summary>
    /// Builds the benchmark into <paramref name="dataDir"/>, or reuses a complete build there that holds every task of
    /// <paramref name="needed"/> (its files match the manifest's sha256).
    /// </summary>
    /// <param name="dataDir">The benchmark folder.</param>
    /// <param name="needed">Tasks that must be there (checked after the build: a missing task fails now, before any training).</param>
    /// <param name="log">Progress lines.</param>
    /// <param name="sourceCacheDir">Cache of the downloaded source packages (null = the default).</param>
    /// <param name="rebuild">Build even when a complete build is there.</param>
    /// <param name="includeFortunes">Build the fortune-topic task too.</param>
    public static BuiltBenchmark Ensure(string dataDir, IReadOnlyCollection<string> needed, Action<string> log, string? sourceCacheDir = null,
        bool rebuild = false, bool includeFortunes = true)
    {
        if (!rebuild && BuiltBenchmark.IsComplete(dataDir, needed))
        {
            log($"reusing the benchmark in {Path.GetFullPath(dataDir)} (files match the manifest's sha256)");
        }
        else
        {
            string cache = sourceCacheDir ?? RealDataOptions.DefaultCacheDir;
            log($"building the real-data benchmark into {Path.GetFullPath(dataDir)} (package cache {cache})");
            RealDataBenchmark.BuildAll(dataDir, cache, new RealDataOptions { IncludeFortunes = includeFortunes, Log = line => log($"  {line}") });
        }
        var benchmark = BuiltBenchmark.Open(dataDir);
        foreach (string name in needed) benchmark.Task(name); // fail now, not after the teachers, on a task that is not there
        return benchmark;
    }

    /// <summary>
    /// Registers <paramref name="task"/> from the built benchmark that holds <paramref name="dataFolder"/> (a task folder
    /// whose parent has <c>manifest.json</c>), with the labels and descriptions a run registered it with; nothing when the
    /// catalogue has the task or the folder is not in a benchmark.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The benchmark has no such task (the message names the manifest and its tasks).</exception>
    public static void RegisterFromTaskFolder(TaskCatalog catalog, string task, string dataFolder)
    {
        if (catalog.Contains(task)) return;
        string? benchmark = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataFolder)));
        if (benchmark is not null && File.Exists(Path.Combine(benchmark, BenchmarkManifest.FileName)))
            catalog.Register(Definition(BuiltBenchmark.Open(benchmark).Task(task)));
    }

    /// <summary>
    /// Resolves the benchmark entries of a config: an entry whose <c>data</c> is a built benchmark folder (it holds
    /// manifest.json) gets that task's folder; an entry whose <c>data</c> is a task folder of a built benchmark keeps it; an entry without <c>data</c> whose task is not in the catalogue is a
    /// benchmark task, built on demand into <see cref="DefaultDataDir"/>. Each such task is registered
    /// in <paramref name="catalog"/>. Other entries are returned unchanged.
    /// </summary>
    /// <exception cref="ConfigException">An entry without data names a catalogue task (only benchmark tasks are built).</exception>
    public static PipelineConfig Resolve(PipelineConfig config, TaskCatalog catalog, Action<string> log)
    {
        var all = config.Sources.Select((t, i) => (Entry: t, Key: $"sources[{i}]")).Concat(config.Targets.Select((t, i) => (Entry: t, Key: $"targets[{i}]"))).ToList();
        foreach (var (entry, key) in all)
            if (entry.Data is null && catalog.Contains(entry.Task!))
                throw new ConfigException($"{key}.data is required for task '{entry.Task}' (only the real-data benchmark's tasks are built on demand).");
        var byName = all.Where(x => x.Entry.Data is null).Select(x => x.Entry.Task!).Distinct(StringComparer.Ordinal).ToList();
        // A near miss of a catalogue task is a typo, not a benchmark task: name the closest task rather than start a
        // build that downloads the benchmark's sources.
        foreach (string name in byName)
            if (catalog.ClosestName(name) is { } close && TaskCatalog.EditDistance(close.ToLowerInvariant(), name.ToLowerInvariant()) <= 2)
                catalog.Get(name);
        BuiltBenchmark? onDemand = byName.Count > 0 ? Ensure(DefaultDataDir, byName, line => log($"[data] {line}")) : null;
        var opened = new Dictionary<string, BuiltBenchmark>(StringComparer.Ordinal);
        TaskDataConfig Resolve(TaskDataConfig entry)
        {
            BuiltBenchmark? benchmark = entry.Data is null ? onDemand
                : File.Exists(Path.Combine(entry.Data, BenchmarkManifest.FileName))
                    ? opened.TryGetValue(entry.Data, out var b) ? b : opened[entry.Data] = BuiltBenchmark.Open(entry.Data)
                    : null;
            if (benchmark is null)
            {
                // A task folder of a built benchmark is what a run's config.json records once resolved, so a user who
                // passes that file back (mpt adapt --config RUN/config.json) names the task by its folder: its
                // definition is still the benchmark's.
                if (entry.Data is not null) RegisterFromTaskFolder(catalog, entry.Task!, entry.Data);
                return entry;
            }
            var task = benchmark.Task(entry.Task!);
            if (!catalog.Contains(task.Name)) catalog.Register(Definition(task));
            return entry with { Data = Path.GetDirectoryName(task.Splits.Values.First().Path)! };
        }
        return config with { Sources = config.Sources.Select(Resolve).ToList(), Targets = config.Targets.Select(Resolve).ToList() };
    }
}
