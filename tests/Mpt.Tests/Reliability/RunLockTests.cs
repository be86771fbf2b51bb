using Mpt.Runs;
using Mpt.Tests.Cli;
using Xunit;

namespace Mpt.Tests.Reliability;

/// <summary>One writer per run folder (<see cref="RunLock"/>): across processes, inside one process, and after a kill.</summary>
[Trait("Category", "Reliability")]
public sealed class RunLockTests : IDisposable
{
    private readonly PipelineWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    [Fact]
    public void A_Second_Mpt_Run_On_A_Folder_In_Use_Is_Refused_Naming_The_Folder_And_The_Pid()
    {
        string runDir = _ws.PathOf("run");
        using (RunLock.Acquire(runDir))
        {
            // Another process: the OS lock.
            using var child = CliProcess.Start("run", "--config", _ws.WriteConfig(), "--run-dir", runDir, "--quiet", "--threads", "1");
            Assert.Equal(1, child.Finish(TimeSpan.FromMinutes(2)));
            string error = child.Error.Trim();
            Assert.DoesNotContain('\n', error);
            Assert.Contains($"{runDir} is in use by another mpt run (PID {Environment.ProcessId}", error);
            Assert.False(File.Exists(Path.Combine(runDir, "config.json")), "the refused run wrote into the folder");

            // This process: the in-process rule (POSIX locks do not exclude a process from itself).
            var again = CliRunner.Run("run", "--config", _ws.WriteConfig(), "--run-dir", runDir, "--quiet");
            Assert.Equal(1, again.ExitCode);
            Assert.Contains($"{runDir} is in use by another mpt run (PID {Environment.ProcessId}", again.Error);
        }
        // Released: the folder can be taken again.
        using var next = RunLock.Acquire(runDir);
        Assert.Equal($"{Environment.ProcessId}", File.ReadAllText(Path.Combine(runDir, RunLock.FileName)).Trim());
    }

    [Fact]
    public void A_Run_Killed_With_Sigkill_Does_Not_Leave_Its_Folder_Locked()
    {
        string runDir = _ws.PathOf("run");
        string lockFile = Path.Combine(runDir, RunLock.FileName);
        using var child = CliProcess.Start("run", "--config", _ws.WriteConfig(), "--run-dir", runDir, "--quiet", "--threads", "1");
        // Wait until the child holds the folder (it records its PID once locked).
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!(File.Exists(lockFile) && File.ReadAllText(lockFile).Trim() == $"{child.Id}"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the child never locked {runDir}:\n{child.Error}");
            Assert.False(child.WaitForExit(TimeSpan.FromMilliseconds(20)), $"the child ended before the test saw its lock:\n{child.Error}");
        }
        var refused = Assert.Throws<RunFolderInUseException>(() => RunLock.Acquire(runDir));
        Assert.Equal(child.Id, refused.Pid);

        Assert.True(child.Kill());
        using var taken = RunLock.Acquire(runDir); // no stale lock: the OS released it with the process
        Assert.Equal($"{Environment.ProcessId}", File.ReadAllText(lockFile).Trim());
    }

    [Fact]
    public void Temporary_Files_Left_By_A_Killed_Writer_Are_Removed_When_The_Folder_Is_Locked()
    {
        string runDir = _ws.PathOf("run");
        Directory.CreateDirectory(Path.Combine(runDir, "teachers", "cola", "checkpoint.tmp"));
        File.WriteAllText(Path.Combine(runDir, "teachers", "cola", "checkpoint.tmp", "prompt.safetensors.tmp"), "half");
        File.WriteAllText(Path.Combine(runDir, "results.json.tmp"), "{\"half");
        File.WriteAllText(Path.Combine(runDir, "results.json"), "{}");
        using (RunLock.Acquire(runDir))
        {
            Assert.Empty(Directory.EnumerateFileSystemEntries(runDir, "*.tmp", SearchOption.AllDirectories));
            Assert.True(File.Exists(Path.Combine(runDir, "results.json")));
        }
    }

    [Fact]
    public void Temporary_Files_Inside_A_Work_Item_With_Its_Own_Lock_Are_Left_To_The_Items_Holder()
    {
        // A shard of a job array holds the item (not the run folder) and may be writing these files right now.
        string runDir = _ws.PathOf("run");
        string item = Path.Combine(runDir, "adapt", "rte", "mpt", "seed-1");
        using (RunLock.Acquire(item)) { }
        Directory.CreateDirectory(Path.Combine(item, "adapter-compressed.tmp"));
        File.WriteAllText(Path.Combine(item, "test_results.json.tmp"), "{\"half");
        Directory.CreateDirectory(Path.Combine(runDir, "teachers", "cola", "checkpoint.tmp")); // an item of an older run: no lock of its own
        File.WriteAllText(Path.Combine(runDir, "results.json.tmp"), "{\"half");
        using (RunLock.Acquire(runDir))
            Assert.Equal([Path.Combine(item, "adapter-compressed.tmp"), Path.Combine(item, "test_results.json.tmp")],
                Directory.EnumerateFileSystemEntries(runDir, "*.tmp", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        using (RunLock.Acquire(item))
            Assert.Empty(Directory.EnumerateFileSystemEntries(runDir, "*.tmp", SearchOption.AllDirectories));
    }
}
