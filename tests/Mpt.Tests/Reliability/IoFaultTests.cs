using Mpt.Runs;
using Mpt.Serialization;
using Mpt.Tests.Cli;
using Xunit;

namespace Mpt.Tests.Reliability;

/// <summary>
/// Disk full and read-only folders while a run writes its checkpoints, adapters, test results, results.json and report:
/// one clear line and exit 1 (the report: a warning, the results being safe), every checkpoint left loadable, and a
/// later <c>--resume</c> that ends exactly where an uninterrupted run does. The faults are injected into the one atomic
/// writer (<see cref="AtomicFile"/>), after half of the file's bytes, as a disk that fills up mid-write would; one case
/// makes the real folder read-only instead (skipped as root, which ignores permission bits).
/// </summary>
[Trait("Category", "Reliability")]
public sealed class IoFaultTests : IClassFixture<IoFaultTests.Baseline>
{
    /// <summary>An uninterrupted run of the workspace config, made once for the class.</summary>
    public sealed class Baseline : IDisposable
    {
        public PipelineWorkspace Workspace { get; } = new();

        public string Config { get; }

        public string RunDir { get; }

        public Baseline()
        {
            Config = Workspace.WriteConfig();
            RunDir = Workspace.PathOf("uninterrupted");
            var r = CliRunner.Run("run", "--config", Config, "--run-dir", RunDir, "--quiet", "--threads", "1");
            Assert.True(r.ExitCode == 0, r.Error);
        }

        public void Dispose() => Workspace.Dispose();
    }

    private readonly Baseline _baseline;

    public IoFaultTests(Baseline baseline) => _baseline = baseline;

    private static Exception DiskFull(string path) => new IOException($"No space left on device : '{path}'", 28);

    private static Exception ReadOnly(string path) => new UnauthorizedAccessException($"Access to the path '{path}' is denied.");

    public static TheoryData<string, int, bool> Faults() => new()
    {
        // the end of the failing file's path, which write of it fails, disk full (else read-only)
        { "/" + RunFolder.OptimizerFile, 2, true },            // the second checkpoint of the first teacher: the first must survive
        { "/" + RunFolder.TrainerStateFile, 4, false },        // a checkpoint manifest, read-only
        { "/adapter/adapter_model.safetensors", 1, true },     // the first teacher's PEFT adapter, after its prompt and result.json
        { "/adapter/adapter_model.safetensors", 4, false },    // a target's adapter
        { "/" + Mpt.Peft.PromptModelFile.FileName, 5, true }, // the last file of MPT's compressed adapter (after 2 teachers, distill, target)
        { "/test_results.json", 1, true },
        { "/results.json", 1, true },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void A_Failed_Write_Is_One_Line_Keeps_Every_Checkpoint_And_Resumes_To_The_Uninterrupted_Result(string pathEnd, int nth, bool diskFull)
    {
        string runDir = _baseline.Workspace.PathOf($"fault-{pathEnd.Replace('/', '_')}-{nth}");
        string file = Path.GetFileName(pathEnd);
        int seen = 0;
        var r = WithFaults(path => path.EndsWith(pathEnd, StringComparison.Ordinal) && ++seen == nth ? (diskFull ? DiskFull(path) : ReadOnly(path)) : null,
            () => CliRunner.Run("run", "--config", _baseline.Config, "--run-dir", runDir, "--quiet", "--threads", "1"));

        Assert.Equal(1, r.ExitCode);
        string error = r.Error.Trim();
        Assert.DoesNotContain('\n', error);
        Assert.Matches($"^error: {System.Text.RegularExpressions.Regex.Escape(runDir)}/.*{System.Text.RegularExpressions.Regex.Escape(file)}: could not be written \\(({(diskFull ? "No space left on device" : "Access to the path")}).*\\); the previous version, if any, is unchanged\\.$", error);
        Assert.Empty(Directory.EnumerateFiles(runDir, "*.tmp", SearchOption.AllDirectories)); // the failed write cleaned up
        AssertCheckpointsLoad(runDir);
        if (nth == 2 && file == RunFolder.OptimizerFile)
            Assert.Contains("\"Step\": 2", File.ReadAllText(Path.Combine(runDir, "teachers", "mrpc", RunFolder.CheckpointDir, RunFolder.TrainerStateFile)));

        var resumed = CliRunner.Run("run", "--config", _baseline.Config, "--run-dir", runDir, "--quiet", "--threads", "1", "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        RunComparison.AssertSameRun(_baseline.RunDir, runDir);
    }

    [Fact]
    public void A_Failed_Report_Write_Is_A_Warning_Naming_The_File_And_The_Results_Stay()
    {
        string runDir = _baseline.Workspace.PathOf("fault-report");
        var r = WithFaults(path => path.EndsWith(".md", StringComparison.Ordinal) ? DiskFull(path) : null,
            () => CliRunner.Run("run", "--config", _baseline.Config, "--run-dir", runDir, "--quiet", "--threads", "1"));
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains($"warning: the report was not written (IOException: {runDir}/report/", r.Error);
        Assert.Contains("could not be written (No space left on device", r.Error);
        RunComparison.AssertSameRun(_baseline.RunDir, runDir);

        var resumed = CliRunner.Run("run", "--config", _baseline.Config, "--run-dir", runDir, "--quiet", "--threads", "1", "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.True(File.Exists(Path.Combine(runDir, "report", "report.md")));
    }

    [NotRootFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_Folder_Made_Read_Only_During_A_Checkpoint_Is_One_Line_And_Resumes_Once_Writable()
    {
        string runDir = _baseline.Workspace.PathOf("read-only");
        string teacher = Path.Combine(runDir, "teachers", "mrpc");
        int seen = 0;
        // The hook injects nothing: at the second checkpoint it makes the real folder read-only, and the OS refuses the write.
        var r = WithFaults(path =>
            {
                if (Path.GetFileName(path) == RunFolder.PromptFile && path.Contains("checkpoint.tmp", StringComparison.Ordinal) && ++seen == 2)
                    File.SetUnixFileMode(Path.GetDirectoryName(path)!, UnixFileMode.UserRead | UnixFileMode.UserExecute);
                return null;
            },
            () => CliRunner.Run("run", "--config", _baseline.Config, "--run-dir", runDir, "--quiet", "--threads", "1"));
        string tmp = Path.Combine(teacher, "checkpoint.tmp");
        File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        Assert.Equal(1, r.ExitCode);
        Assert.Matches($"^error: .*{System.Text.RegularExpressions.Regex.Escape(Path.Combine(tmp, RunFolder.PromptFile))}.*denied", r.Error.Trim());
        Assert.Contains("\"Step\": 2", File.ReadAllText(Path.Combine(teacher, RunFolder.CheckpointDir, RunFolder.TrainerStateFile)));

        var resumed = CliRunner.Run("run", "--config", _baseline.Config, "--run-dir", runDir, "--quiet", "--threads", "1", "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        RunComparison.AssertSameRun(_baseline.RunDir, runDir);
    }

    private static CliRunner.Result WithFaults(Func<string, Exception?> fault, Func<CliRunner.Result> run)
    {
        AtomicFile.InjectFaults(fault);
        try { return run(); }
        finally { AtomicFile.InjectFaults(null); }
    }

    private static void AssertCheckpointsLoad(string runDir)
    {
        foreach (string state in Directory.EnumerateFiles(runDir, RunFolder.TrainerStateFile, SearchOption.AllDirectories))
        {
            string folder = Path.GetDirectoryName(Path.GetDirectoryName(state)!)!;
            using var checkpoint = new RunFolder(folder).LoadCheckpoint(); // throws on a damaged file
            Assert.True(checkpoint.Step > 0);
        }
    }
}
