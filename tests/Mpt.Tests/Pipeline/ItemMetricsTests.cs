using Mpt.Pipeline;
using Mpt.Reports;
using Mpt.Runs;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>
/// The step logs shards keep in their items' folders are merged into the run's metrics.jsonl by a full invocation:
/// finished items only (an unfinished one may still be written), in item order, and at most once even when a merge
/// is killed between appending a log and deleting it.
/// </summary>
public sealed class ItemMetricsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-item-metrics-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static StepMetrics Step(string task, long step) => new("adapt", task, "mpt", 1, step, 0.5, ElapsedS: step * 0.25);

    private string Item(string task, bool finished, params long[] steps)
    {
        string folder = Path.Combine(_dir, "adapt", task, "mpt", "seed-1");
        Directory.CreateDirectory(folder);
        if (finished)
            foreach (string file in new[] { RunFolder.ResultFile, RunFolder.PromptFile, PipelineRunner.SettingsFile }) File.WriteAllText(Path.Combine(folder, file), "x");
        MetricsLog.Append(ItemMetrics.PathIn(folder), steps.Select(s => Step(task, s)));
        return folder;
    }

    private List<string> Merged() => MetricsLog.Read(Path.Combine(_dir, MetricsLog.FileName)).Select(r => $"{r.Task} {r.Step}").ToList();

    [Fact]
    public void Finished_Items_Are_Merged_Once_In_Item_Order_And_Unfinished_Ones_Wait()
    {
        MetricsLog.Append(Path.Combine(_dir, MetricsLog.FileName), Step("cola", 1));
        string rte = Item("rte", finished: true, 1, 2);
        string boolq = Item("boolq", finished: true, 1);
        string running = Item("mrpc", finished: false, 1);

        Assert.Equal(2, ItemMetrics.MergeInto(_dir));
        Assert.Equal(["cola 1", "boolq 1", "rte 1", "rte 2"], Merged());
        Assert.False(File.Exists(ItemMetrics.PathIn(rte)));
        Assert.False(File.Exists(ItemMetrics.PathIn(boolq)));
        Assert.True(File.Exists(ItemMetrics.PathIn(running)), "the log of an unfinished item was taken while its shard may write it");

        // A merge killed after its append but before the delete finds the log again: nothing is appended twice.
        MetricsLog.Append(ItemMetrics.PathIn(rte), [Step("rte", 1), Step("rte", 2)]);
        Assert.Equal(1, ItemMetrics.MergeInto(_dir));
        Assert.Equal(["cola 1", "boolq 1", "rte 1", "rte 2"], Merged());
    }
}
