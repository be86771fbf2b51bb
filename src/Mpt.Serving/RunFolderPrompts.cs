using Mpt.Pipeline;

namespace Mpt.Serving;

/// <summary>
/// The target prompts of a pipeline run folder (<c>mpt run</c>, <c>mpt quickstart</c>) and the names they are served under.
/// </summary>
/// <remarks>
/// <para>Every adapted prompt <c>adapt/TARGET/METHOD/seed-S/adapter</c> is served as <c>TARGET/METHOD/seed-S</c>, and
/// every MPT* prompt <c>adapt/_multi/mpt_multi/seed-S/adapter-TARGET</c> (one target's prompt, compressed) as
/// <c>TARGET/mpt_multi/seed-S</c>. Two shorter names are aliases: <c>TARGET/METHOD</c> for the method's lowest seed, and
/// <c>TARGET</c> for the MPT prompt of the lowest seed (the paper's method; Wang et al. 2023, §3.2), or, when the run has
/// no MPT prompt for the target, the lowest seed of the first method in ordinal order. Baselines without a prompt
/// (majority, no-prompt) have no adapter and are skipped.</para>
/// </remarks>
public static class RunFolderPrompts
{
    /// <summary>The method whose prompt a bare target name serves.</summary>
    public const string PreferredMethod = "mpt";

    /// <summary>Whether <paramref name="path"/> is a run folder (it has an <c>adapt</c> folder).</summary>
    public static bool IsRunFolder(string path) => Directory.Exists(Path.Combine(path, PipelineRunner.AdaptDir));

    /// <summary>One prompt of a run: its full name, the target task, the method folder, the seed and the adapter folder.</summary>
    /// <param name="Name">TARGET/METHOD/seed-S.</param>
    /// <param name="Target">The target task's name (its definition comes from the task catalog).</param>
    /// <param name="Method">The method's folder name (<c>mpt</c>, <c>pt</c>, <c>spot</c>, <c>mpt+</c>, <c>mpt_multi</c>, ...).</param>
    /// <param name="Seed">The seed.</param>
    /// <param name="AdapterFolder">The PEFT adapter folder.</param>
    public sealed record Entry(string Name, string Target, string Method, long Seed, string AdapterFolder);

    /// <summary>Every served prompt of the run at <paramref name="runFolder"/>, ordered by target, method and seed.</summary>
    /// <exception cref="InvalidDataException">The run has no adapted prompt yet (the folder is named).</exception>
    public static IReadOnlyList<Entry> Find(string runFolder)
    {
        string adapt = Path.Combine(runFolder, PipelineRunner.AdaptDir);
        var entries = new List<Entry>();
        foreach (string targetDir in Directory.EnumerateDirectories(adapt))
        {
            string target = Path.GetFileName(targetDir);
            if (target == "_multi")
            {
                foreach (string seedDir in Directory.EnumerateDirectories(Path.Combine(targetDir, "mpt_multi")).Where(IsSeed))
                    foreach (string dir in Directory.EnumerateDirectories(seedDir, "adapter-*"))
                    {
                        string task = Path.GetFileName(dir)["adapter-".Length..];
                        entries.Add(new Entry($"{task}/mpt_multi/{Path.GetFileName(seedDir)}", task, "mpt_multi", Seed(seedDir), dir));
                    }
                continue;
            }
            foreach (string methodDir in Directory.EnumerateDirectories(targetDir))
                foreach (string seedDir in Directory.EnumerateDirectories(methodDir).Where(IsSeed))
                {
                    string adapter = Path.Combine(seedDir, PipelineRunner.AdapterDir);
                    if (!Directory.Exists(adapter)) continue;
                    string method = Path.GetFileName(methodDir);
                    entries.Add(new Entry($"{target}/{method}/{Path.GetFileName(seedDir)}", target, method, Seed(seedDir), adapter));
                }
        }
        if (entries.Count == 0)
            throw new InvalidDataException($"{adapt}: no adapted prompt (adapt/TARGET/METHOD/seed-S/adapter) to serve; has the run's adapt stage finished?");
        return entries.OrderBy(e => e.Target, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal).ThenBy(e => e.Seed).ToList();
    }

    /// <summary>The aliases of <paramref name="entries"/> (as <see cref="Find"/> orders them): alias → full name.</summary>
    public static IReadOnlyDictionary<string, string> Aliases(IReadOnlyList<Entry> entries)
    {
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var byMethod in entries.GroupBy(e => (e.Target, e.Method)))
            aliases[$"{byMethod.Key.Target}/{byMethod.Key.Method}"] = byMethod.First().Name;
        foreach (var byTarget in entries.GroupBy(e => e.Target))
            aliases[byTarget.Key] = (byTarget.FirstOrDefault(e => e.Method == PreferredMethod) ?? byTarget.First()).Name;
        return aliases;
    }

    private static bool IsSeed(string dir) => Path.GetFileName(dir).StartsWith("seed-", StringComparison.Ordinal) && long.TryParse(Path.GetFileName(dir)[5..], out _);

    private static long Seed(string dir) => long.Parse(Path.GetFileName(dir)[5..], System.Globalization.CultureInfo.InvariantCulture);
}
