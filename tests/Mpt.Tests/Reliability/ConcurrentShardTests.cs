using System.Text.Json.Nodes;
using Mpt.Pipeline;
using Mpt.Reports;
using Mpt.Runs;
using Mpt.Tests.Cli;
using Xunit;

namespace Mpt.Tests.Reliability;

/// <summary>
/// Job-array shards as real <c>mpt</c> processes running at the same time on one run folder (tiny T5): the teacher
/// shards take their index from a Slurm array and from a Kubernetes Indexed Job, the target-run shards from
/// <c>--shard</c>; every item is trained exactly once, nothing clashes (no failure, no leftover), and
/// <c>mpt adapt --gather</c> collects all of it.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class ConcurrentShardTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);
    private readonly PipelineWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private static (string Output, string Error) Concurrently(params (Dictionary<string, string> Env, string[] Args)[] shards)
    {
        var processes = shards.Select(s => CliProcess.Start(s.Env, s.Args)).ToList();
        try
        {
            foreach (var p in processes) Assert.True(p.Finish(Limit) == 0, $"a shard failed:\n{p.Output}\n{p.Error}");
            return (string.Concat(processes.Select(p => p.Output)), string.Concat(processes.Select(p => p.Error)));
        }
        finally
        {
            foreach (var p in processes) p.Dispose();
        }
    }

    [Fact]
    public void Shards_Running_At_Once_On_One_Folder_Train_Every_Item_Once_And_Gather()
    {
        string config = _ws.WriteConfig(extra: """, "methods": ["mpt", "pt"], "seeds": [1, 2]""");
        string runDir = _ws.PathOf("run");
        string[] Verb(string verb, params string[] more) => [verb, "--config", config, "--run-dir", runDir, "--quiet", "--threads", "1", .. more];

        var teachers = Concurrently(
            (new() { ["SLURM_ARRAY_TASK_ID"] = "1", ["SLURM_ARRAY_TASK_MIN"] = "1", ["SLURM_ARRAY_TASK_COUNT"] = "2" }, Verb("teachers")),
            (new() { ["JOB_COMPLETION_INDEX"] = "1", ["MPT_SHARD_COUNT"] = "2" }, Verb("teachers")));
        Assert.Contains("shard 0/2 from SLURM_ARRAY_TASK_ID=1", teachers.Output);
        Assert.Contains("shard 0/2: 1 of 2 work items done: teachers/cola", teachers.Output);
        Assert.Contains("shard 1/2 from JOB_COMPLETION_INDEX=1", teachers.Output);
        Assert.Contains("shard 1/2: 1 of 2 work items done: teachers/mrpc", teachers.Output);

        var distill = CliRunner.Run(Verb("distill"));
        Assert.True(distill.ExitCode == 0, distill.Error);

        var adapt = Concurrently((new(), Verb("adapt", "--shard", "0/2")), (new(), Verb("adapt", "--shard", "1/2")));
        Assert.Contains("shard 0/2: 2 of 4 work items done: adapt/rte/mpt/seed-1, adapt/rte/pt/seed-1", adapt.Output);
        Assert.Contains("shard 1/2: 2 of 4 work items done: adapt/rte/mpt/seed-2, adapt/rte/pt/seed-2", adapt.Output);
        // The shard that finishes last sees every item done and prints the gather.
        Assert.Contains($"every item of the stage is done; gather with: mpt adapt --config {config} --run-dir {runDir} --quiet --threads 1 --gather", adapt.Output);
        // results.json is still the distillation's: shards write none.
        Assert.Null(JsonNode.Parse(File.ReadAllText(Path.Combine(runDir, PipelineRunner.ResultsFile)))!["targets"]);

        var gather = CliRunner.Run(Verb("adapt", "--gather"));
        Assert.True(gather.ExitCode == 0, gather.Error);
        var rte = JsonNode.Parse(File.ReadAllText(Path.Combine(runDir, PipelineRunner.ResultsFile)))!["targets"]!["rte"]!;
        foreach (string method in new[] { "mpt", "pt" })
            Assert.Equal([1L, 2L], rte[method]!["seeds"]!.AsArray().Select(s => s!["seed"]!.GetValue<long>()));

        // Every item trained once (4 logged steps each, none twice), each under its own lock; nothing left half-written.
        var steps = MetricsLog.Read(Path.Combine(runDir, MetricsLog.FileName)).GroupBy(r => $"{r.Stage}/{r.Task}/{r.Method}/{r.Seed}")
            .ToDictionary(g => g.Key, g => g.Select(r => r.Step).ToList());
        Assert.Equal(7, steps.Count); // 2 teachers, the distillation, 4 target runs
        Assert.All(steps, s => Assert.Equal([1L, 2L, 3L, 4L], s.Value));
        foreach (string item in WorkItems.Of(ConfigJson.Load(config, []), PipelineStages.All))
            Assert.True(File.Exists(Path.Combine(runDir, item, RunLock.FileName)), $"{item} was not locked");
        Assert.Empty(Directory.EnumerateFileSystemEntries(runDir, "*.tmp", SearchOption.AllDirectories));
    }
}
