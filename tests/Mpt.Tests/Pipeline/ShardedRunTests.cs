using Mpt.Pipeline;
using Mpt.Reports;
using Mpt.Runs;
using Mpt.Tests.Cli;
using Mpt.Tests.Reliability;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>
/// Stage sharding through the library entry on the tiny T5: the teachers and the target runs split over two shards in
/// one run folder, then gathered, equal one unsharded run (results.json apart from wall-clock fields, and every prompt,
/// adapter, checkpoint, settings and test file byte for byte); a gather before every item is done names the missing
/// items in one line; a shard that dies continues where it stopped when it runs again, and skips what it finished.
/// </summary>
public sealed class ShardedRunTests : IDisposable
{
    private readonly PipelineWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private PipelineConfig Config() => ConfigJson.Parse(_ws.ConfigJson(""", "methods": ["mpt", "pt", "majority"], "seeds": [1, 2]"""));

    private PipelineRunner Runner(string runDir, Shard? shard = null, bool gather = false, IPipelineProgress? progress = null, StopSignal? stop = null) =>
        new(Config(), runDir, new PipelineRunOptions { Shard = shard, Gather = gather, Progress = progress ?? SilentProgress.Instance, Stop = stop ?? new StopSignal() });

    private ShardOutcome RunShard(string runDir, PipelineStages stage, int index, IPipelineProgress? progress = null, StopSignal? stop = null)
    {
        using var runner = Runner(runDir, new Shard(index, 2), progress: progress, stop: stop);
        return runner.RunShard(stage);
    }

    [Fact]
    public void Two_Shards_And_A_Gather_Equal_One_Unsharded_Run()
    {
        string whole = _ws.PathOf("whole");
        using (var runner = Runner(whole)) runner.Run(PipelineStages.All);

        string sharded = _ws.PathOf("sharded");
        Assert.Equal(["teachers/cola"], RunShard(sharded, PipelineStages.Teachers, 0).Items);
        Assert.Equal(["teachers/mrpc"], RunShard(sharded, PipelineStages.Teachers, 1).Items);
        // Shards write nothing at the top of the run folder, where other shards would write the same files.
        Assert.Equal(["teachers"], Directory.EnumerateFileSystemEntries(sharded).Select(Path.GetFileName));
        using (var runner = Runner(sharded)) runner.Run(PipelineStages.Distill);
        var first = RunShard(sharded, PipelineStages.Adapt, 0);
        Assert.Equal(["adapt/rte/mpt/seed-1", "adapt/rte/pt/seed-1"], first.Items);
        Assert.Equal(4, first.TotalItems);
        Assert.Equal(["adapt/rte/mpt/seed-2", "adapt/rte/pt/seed-2"], first.Remaining);

        // A gather before the second shard has run names what is missing, in one line, and trains nothing.
        var missing = Assert.Throws<WorkItemsMissingException>(() =>
        {
            using var runner = Runner(sharded, gather: true);
            runner.Run(PipelineStages.All);
        });
        Assert.Equal(["adapt/rte/mpt/seed-2", "adapt/rte/pt/seed-2"], missing.Missing);
        Assert.Contains("2 of 7 work item(s) are not done: adapt/rte/mpt/seed-2, adapt/rte/pt/seed-2", missing.Message);
        Assert.DoesNotContain('\n', missing.Message);
        Assert.False(Directory.Exists(Path.Combine(sharded, "adapt", "rte", "mpt", "seed-2")));

        // The second shard dies in its second item (as a kill would, after 6 of its 8 steps); the same call again, without
        // any resume option, continues that item from its checkpoint and skips the finished one.
        Assert.Throws<RunInterruptedException>(() => RunShard(sharded, PipelineStages.Adapt, 1, stop: new StopSignal(afterSteps: 6)));
        Assert.True(WorkItems.IsDone(sharded, "adapt/rte/mpt/seed-2"));
        Assert.False(WorkItems.IsDone(sharded, "adapt/rte/pt/seed-2"));
        Assert.Empty(RunShard(sharded, PipelineStages.Adapt, 1).Remaining);
        // A restarted shard skips the items it finished.
        var progress = new RecordingProgress();
        RunShard(sharded, PipelineStages.Adapt, 0, progress);
        Assert.Equal(0, progress.Started);
        Assert.Equal(2, progress.Skipped);

        using (var runner = Runner(sharded, gather: true)) runner.Run(PipelineStages.All);
        RunComparison.AssertSameRun(whole, sharded);

        // The shards' step logs (one per item folder) are merged into the run's metrics.jsonl once, by the gather.
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(sharded, "adapt"), MetricsLog.FileName, SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(sharded, "teachers"), MetricsLog.FileName, SearchOption.AllDirectories));
        static List<string> Runs(string dir) => MetricsLog.Read(Path.Combine(dir, MetricsLog.FileName))
            .Select(r => $"{r.Stage} {r.Task} {r.Method} {r.Seed} {r.Step}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Runs(whole), Runs(sharded));
    }

    [Fact]
    public void A_Shard_Does_Not_Touch_An_Item_Another_Process_Holds()
    {
        string runDir = _ws.PathOf("run");
        using (var runner = Runner(runDir)) runner.Run(PipelineStages.Teachers | PipelineStages.Distill);
        string held = Path.Combine(runDir, "adapt", "rte", "mpt", "seed-1");
        using (RunLock.Acquire(held))
        {
            var refused = Assert.Throws<RunFolderInUseException>(() => RunShard(runDir, PipelineStages.Adapt, 0));
            Assert.Equal(held, refused.Folder);
        }
        Assert.False(File.Exists(Path.Combine(held, RunFolder.ConfigFile)), "the refused shard wrote into the held item");
    }

    [Fact]
    public void Only_Teachers_And_Adapt_Are_Sharded()
    {
        using var runner = Runner(_ws.PathOf("run"), new Shard(0, 2));
        var e = Assert.Throws<ArgumentException>(() => runner.RunShard(PipelineStages.Distill));
        Assert.Contains("sharding applies to the teachers and adapt stages", e.Message);
    }

    private sealed class RecordingProgress : IPipelineProgress
    {
        public int Started { get; private set; }
        public int Skipped { get; private set; }

        public void RunStarted(string label, long totalSteps) => Started++;

        public void StepCompleted(string label, TrainingLogEntry entry, double tokensPerSecond, bool log) { }

        public void RunFinished(string label, string summary)
        {
            if (summary.StartsWith("already finished", StringComparison.Ordinal)) Skipped++;
        }

        public void Message(string text) { }
    }
}
