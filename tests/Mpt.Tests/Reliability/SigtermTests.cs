using System.Diagnostics;
using Mpt.Tests.Cli;
using Xunit;

namespace Mpt.Tests.Reliability;

/// <summary>
/// SIGTERM, what a scheduler or <c>docker stop</c> sends before it kills a job, stops a run the way the first Ctrl+C does:
/// the current step finishes, a checkpoint is written, the process exits 130 and prints the resume command, and the
/// resumed run finishes (issue 15 item 6).
/// </summary>
[Trait("Category", "Reliability")]
public sealed class SigtermTests : IDisposable
{
    private readonly PipelineWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    [Fact]
    public void Sigterm_Should_Checkpoint_Exit_130_And_Leave_A_Run_That_Resumes()
    {
        string runDir = _ws.PathOf("run");
        string config = _ws.WriteConfig();
        // A first teacher long enough that the signal lands while it trains.
        string[] args = ["run", "--config", config, "--run-dir", runDir, "--quiet", "--threads", "1", "--set", "teachers.loop.max_steps=400"];
        using var child = CliProcess.Start(args);
        string metrics = Path.Combine(runDir, "metrics.jsonl");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!(File.Exists(metrics) && new FileInfo(metrics).Length > 0))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the run never logged a step:\n{child.Error}");
            Assert.False(child.WaitForExit(TimeSpan.FromMilliseconds(20)), $"the run ended before it was signalled:\n{child.Output}\n{child.Error}");
        }

        using (var kill = Process.Start("kill", ["-TERM", $"{child.Id}"])!) kill.WaitForExit();

        Assert.Equal(130, child.Finish(TimeSpan.FromMinutes(2)));
        Assert.Contains("SIGTERM: writing a checkpoint", child.Error);
        Assert.Contains("resume with: mpt run", child.Error);
        Assert.True(Directory.EnumerateDirectories(runDir, "checkpoint", SearchOption.AllDirectories).Any(), "no checkpoint was written");
        Assert.False(File.Exists(Path.Combine(runDir, "results.json")), "the stopped run wrote results");

        using var resumed = CliProcess.Start([.. args, "--resume"]);
        Assert.Equal(0, resumed.Finish(TimeSpan.FromMinutes(5)));
        Assert.True(File.Exists(Path.Combine(runDir, "results.json")));
    }
}
