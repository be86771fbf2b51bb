using System.Diagnostics;

namespace Mpt.RealData;

/// <summary>
/// The real-data MPT benchmark of docs/data.md, built from pinned npm / Debian packages: sources S1 brown-genre,
/// S2 brown-pos, S3 wn-supersense, S4 wn-relation, S5 word-polarity, S6 sotu-era; targets T1–T3 uci-amazon/imdb/yelp, T4 wn-wsd-gloss, T5 spam,
/// T6 fortune-topic.
/// Entry point for <c>mpt data build</c>.
/// </summary>
public static class RealDataBenchmark
{
    /// <summary>
    /// Fetches the pinned packages into <paramref name="cacheDir"/> (each verified against its integrity value before
    /// unpacking; cached packages are not fetched again), builds every task and writes
    /// <c>OUTPUT/TASK/{train,validation,test}.jsonl</c> plus <c>OUTPUT/manifest.json</c>.
    /// </summary>
    /// <exception cref="SourceFetchException">npm / apt-get / dpkg-deb missing, or a download failed.</exception>
    /// <exception cref="IntegrityMismatchException">A package's bytes differ from the pinned version.</exception>
    public static BenchmarkManifest BuildAll(string outputDir, string cacheDir, RealDataOptions? options = null)
    {
        options ??= new RealDataOptions();
        var cache = new SourceCache(cacheDir, options);
        var folders = new SourceFolders(
            Brown: cache.GetUnpacked(PinnedSources.Brown),
            WordNet: cache.GetUnpacked(PinnedSources.WordNet),
            Sotu: cache.GetUnpacked(PinnedSources.Sotu),
            SpamAssassin: cache.GetUnpacked(PinnedSources.SpamAssassin),
            UciSentiment: cache.GetUnpacked(PinnedSources.UciSentiment),
            Vader: cache.GetUnpacked(PinnedSources.Vader),
            Fortunes: options.IncludeFortunes ? cache.GetUnpacked(PinnedSources.Fortunes) : null);
        return Build(folders, outputDir, options);
    }

    /// <summary>Builds and writes every task from already unpacked package folders (no network).</summary>
    public static BenchmarkManifest Build(SourceFolders folders, string outputDir, RealDataOptions? options = null)
    {
        options ??= new RealDataOptions();
        var tasks = BuildTasks(folders, options.Seed, options.Log);
        options.Log?.Invoke($"writing {tasks.Count} tasks to {outputDir}");
        BenchmarkManifest manifest = BenchmarkWriter.Write(tasks, outputDir, options.Seed);
        LicenceNotices.Copy(tasks, folders, outputDir);
        return manifest;
    }

    /// <summary>Builds every task in memory, in manifest order (sources, then targets).</summary>
    public static IReadOnlyList<BenchmarkTask> BuildTasks(SourceFolders folders, int seed, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(folders);
        var tasks = new List<BenchmarkTask>();
        void Add(Func<BenchmarkTask> build)
        {
            var clock = Stopwatch.StartNew();
            BenchmarkTask task = build();
            tasks.Add(task);
            log?.Invoke($"built {task.Id} {task.Name}: {string.Join(" / ", task.Splits.Select(s => $"{s.Name} {s.Examples.Count}"))} ({clock.Elapsed.TotalSeconds:F1} s)");
        }

        WordNetDatabase wordnet = WordNetDatabase.Load(folders.WordNet);
        // The WordNet target is drawn first so that its lemmas can be held out of every WordNet source (docs/data.md);
        // it is listed with the other targets.
        WsdGlossTask wsd = WsdGlossTask.Build(wordnet, seed, WsdGlossTask.DefaultSizes);
        IReadOnlySet<string> reservedForTargets = wsd.ReservedLemmas;
        IReadOnlyList<BrownDocument> brown = BrownCorpus.Read(folders.Brown);
        Add(() => BrownGenreTask.Build(brown, seed));
        Add(() => BrownPosTask.Build(brown, seed));
        Add(() => WordNetSupersenseTask.Build(wordnet, seed, reservedForTargets));
        Add(() => WordNetRelationTask.Build(wordnet, seed, reservedForTargets, WordNetRelationTask.DefaultCaps));
        Add(() => WordPolarityTask.Build(folders.Vader, wordnet, seed, reservedForTargets));
        Add(() => SotuEraTask.Build(folders.Sotu, seed));
        foreach (var (_, domain) in UciSentimentTask.Domains) Add(() => UciSentimentTask.Build(folders.UciSentiment, domain, seed));
        Add(() => wsd.Task);
        Add(() => SpamTask.Build(folders.SpamAssassin, seed));
        if (folders.Fortunes is not null) Add(() => FortuneTopicTask.Build(folders.Fortunes, seed));
        return tasks;
    }
}
