using Mpt.Serialization;
using Mpt.Tests.Cli;
using Xunit;
using Xunit.Abstractions;

namespace Mpt.Tests.Reliability;

/// <summary>
/// The deterministic counterpart of <see cref="KillResumeTests"/>: random kills rarely land inside a checkpoint or an
/// adapter write, so here a run is stopped at the N-th atomic write itself, halfway through the file's bytes, by an
/// exception the writer does not handle — as a kill would, it leaves the half-written temporary file behind and runs
/// no cleanup. The run is then resumed and must equal the uninterrupted one. CI stops at every third write of the run
/// (checkpoint files, manifests, prompts, results, adapters, settings, test results, results.json, report), starting
/// at a seeded offset; <c>MPT_KILL_EVERY_WRITE=1</c> stops at every write.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class KillAtEveryWriteTests(ITestOutputHelper log)
{
    private sealed class SimulatedKillException(string path) : Exception($"simulated kill while writing {path}");

    [Fact]
    public void A_Run_Stopped_At_Any_Atomic_Write_Resumes_To_The_Uninterrupted_Result()
    {
        using var ws = new PipelineWorkspace();
        string config = ws.WriteConfig();
        string[] Args(string runDir, bool resume) =>
            ["run", "--config", config, "--run-dir", runDir, "--quiet", "--threads", "1", .. resume ? new[] { "--resume" } : []];

        string baseline = ws.PathOf("uninterrupted");
        var writes = new List<string>();
        AtomicFile.InjectFaults(path => { writes.Add(Path.GetRelativePath(baseline, path)); return null; });
        CliRunner.Result first;
        try { first = CliRunner.Run(Args(baseline, resume: false)); }
        finally { AtomicFile.InjectFaults(null); }
        Assert.True(first.ExitCode == 0, first.Error);

        bool all = Environment.GetEnvironmentVariable("MPT_KILL_EVERY_WRITE") == "1";
        int stride = all ? 1 : 3, offset = all ? 0 : new Random(15).Next(stride);
        int stops = 0;
        for (int n = offset; n < writes.Count; n += stride)
        {
            string dir = ws.PathOf($"stop-at-{n}");
            int seen = 0;
            AtomicFile.InjectFaults(path => seen++ == n ? new SimulatedKillException(path) : null);
            CliRunner.Result stopped;
            try { stopped = CliRunner.Run(Args(dir, resume: false)); }
            finally { AtomicFile.InjectFaults(null); }
            // A report failure is caught and reported as a warning (results.json is written before it), so the process goes on.
            bool report = writes[n].StartsWith("report", StringComparison.Ordinal);
            Assert.True(report ? stopped.ExitCode == 0 : stopped.ExitCode != 0, $"write {n} ({writes[n]}): exit {stopped.ExitCode}\n{stopped.Error}");
            Assert.Contains("simulated kill while writing", stopped.Error);

            var resumed = CliRunner.Run(Args(dir, resume: true));
            Assert.True(resumed.ExitCode == 0, $"resume after a stop at write {n} ({writes[n]}): {resumed.Error}");
            RunComparison.AssertSameRun(baseline, dir);
            stops++;
            log.WriteLine($"stopped at write {n}: {writes[n]}");
        }
        log.WriteLine($"{stops} of {writes.Count} atomic writes stopped and resumed to the uninterrupted result");
    }
}
