using System.Diagnostics;
using Mpt.Tests.Cli;
using Xunit;
using Xunit.Abstractions;

namespace Mpt.Tests.Reliability;

/// <summary>
/// Kill at any moment, lose nothing: the real <c>mpt run</c> (child process, tiny T5, every stage: two teachers,
/// distillation, adaptation with test evaluation, results.json, report) is killed with SIGKILL after seeded random delays
/// spread uniformly over the duration of an uninterrupted run, resumed with <c>--resume</c> (and killed again), and the
/// finished folder must equal the uninterrupted one: results.json without its wall-clock fields, and byte for byte every
/// prompt, adapter, checkpoint, settings and test-result file; no temporary file may be left.
/// </summary>
/// <remarks>
/// CI runs <see cref="DefaultKills"/> kill points (about two minutes on two cores). <c>MPT_KILL_POINTS</c> and
/// <c>MPT_KILL_SEED</c> set a longer campaign (scripts/kill-resume.sh; figures in docs/reliability-runs.md).
/// </remarks>
[Trait("Category", "Reliability")]
public sealed class KillResumeTests(ITestOutputHelper log)
{
    private const int DefaultKills = 21;
    private const int KillsPerTrial = 3;
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int v) && v > 0 ? v : fallback;

    [Fact]
    public void Runs_Killed_At_Random_Moments_Resume_To_The_Uninterrupted_Result()
    {
        int kills = EnvInt("MPT_KILL_POINTS", DefaultKills);
        var random = new Random(EnvInt("MPT_KILL_SEED", 15));
        using var ws = new PipelineWorkspace();
        string config = ws.WriteConfig();
        string[] Args(string runDir, bool resume) =>
            ["run", "--config", config, "--run-dir", runDir, "--threads", "1", "--quiet", .. resume ? new[] { "--resume" } : []];

        string baseline = ws.PathOf("uninterrupted");
        var clock = Stopwatch.StartNew();
        using (var p = CliProcess.Start(Args(baseline, resume: false)))
            Assert.True(p.Finish(Limit) == 0, $"uninterrupted run failed:\n{p.Output}\n{p.Error}");
        double seconds = clock.Elapsed.TotalSeconds;
        log.WriteLine($"uninterrupted run: {seconds:F1} s");

        int killed = 0, trial = 0;
        var where = new SortedDictionary<string, int>(StringComparer.Ordinal);
        // Each trial is killed up to KillsPerTrial times; a process that finishes before its kill ends the trial early.
        while (killed < kills && trial < 4 * kills)
        {
            string dir = ws.PathOf($"trial-{trial++}");
            bool started = false;
            for (int k = 0; k < KillsPerTrial && killed < kills; k++)
            {
                double delay = random.NextDouble() * seconds;
                var startedAt = DateTime.UtcNow;
                using var p = CliProcess.Start(Args(dir, resume: started));
                started = true;
                if (p.WaitForExit(TimeSpan.FromSeconds(delay)))
                {
                    Assert.True(p.Finish(Limit) == 0, $"{dir}: run failed before its kill:\n{p.Output}\n{p.Error}");
                    break;
                }
                if (!p.Kill()) break; // it finished just before the signal
                killed++;
                string at = KillPoint(dir, startedAt);
                where[at] = where.GetValueOrDefault(at) + 1;
                log.WriteLine($"{Path.GetFileName(dir)}: killed after {delay:F2} s ({at})");
            }
            using (var p = CliProcess.Start(Args(dir, resume: started)))
                Assert.True(p.Finish(Limit) == 0, $"{dir}: resume failed:\n{p.Output}\n{p.Error}");
            RunComparison.AssertSameRun(baseline, dir);
        }
        log.WriteLine($"{killed} kills in {trial} trials, all resumed to the uninterrupted result; kill points:");
        foreach (var (at, n) in where) log.WriteLine($"  {n,3} × {at}");
        Assert.True(killed >= kills, $"only {killed} of {kills} kills landed in {trial} trials");
    }

    /// <summary>
    /// Where the kill landed, judged by the entry the killed process wrote last (metrics.jsonl, appended at every step,
    /// and run.lock left aside): the stage's run folder, and whether a checkpoint was being written.
    /// </summary>
    private static string KillPoint(string dir, DateTime processStart)
    {
        var newest = Directory.Exists(dir)
            ? new DirectoryInfo(dir).EnumerateFileSystemInfos("*", SearchOption.AllDirectories)
                .Where(f => f.Name is not (Mpt.Runs.RunLock.FileName or Mpt.Reports.MetricsLog.FileName) && f.LastWriteTimeUtc >= processStart)
                .MaxBy(f => f.LastWriteTimeUtc)
            : null;
        if (newest is null) return "startup, model load or resume checks (nothing written yet)";
        string relative = Path.GetRelativePath(dir, newest.FullName).Replace('\\', '/');
        string[] parts = relative.Split('/');
        string stage = parts[0] switch
        {
            "teachers" => "teachers",
            "distill" => "distill",
            "adapt" => "adapt",
            "config.json" => "setup before the first run (config.json written last)",
            _ => "results.json / report",
        };
        if (parts.Any(p => p is "checkpoint.tmp" or "checkpoint.old")) return stage + ", checkpoint being written";
        if (parts.Contains("checkpoint")) return stage + ", after a checkpoint";
        return stage;
    }
}
