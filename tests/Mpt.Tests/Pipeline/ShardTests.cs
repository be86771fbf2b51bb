using Mpt.Pipeline;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>
/// Which shard of a job array a process is (<see cref="Shard.Resolve"/>: the flag, else Slurm, else a Kubernetes Indexed
/// Job), which items it owns (round-robin over the sorted items) and the one-line refusals of bad values.
/// </summary>
public sealed class ShardTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Every_Item_Belongs_To_Exactly_One_Shard_Round_Robin()
    {
        var items = Enumerable.Range(0, 7).Select(i => $"item-{i}").ToList();
        var shards = Enumerable.Range(0, 3).Select(i => new Shard(i, 3).Select(items)).ToList();
        Assert.Equal(["item-0", "item-3", "item-6"], shards[0]);
        Assert.Equal(["item-1", "item-4"], shards[1]);
        Assert.Equal(["item-2", "item-5"], shards[2]);
        Assert.Equal(items, shards.SelectMany(s => s).Order(StringComparer.Ordinal));
        Assert.Equal(items, new Shard(0, 1).Select(items));
    }

    [Fact]
    public void The_Flag_Wins_Over_The_Environment_And_Off_Ignores_It()
    {
        var slurm = Env(("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "4"));
        Assert.Equal((new Shard(1, 2), (string?)null), Shard.Resolve("1/2", null, slurm));
        Assert.Equal((null, (string?)null), Shard.Resolve("off", null, slurm));
        Assert.Equal((null, (string?)null), Shard.Resolve(null, null, Env()));
    }

    [Fact]
    public void Slurm_Arrays_Give_The_Shard_With_Their_Minimum_As_Offset()
    {
        var (shard, note) = Shard.Resolve(null, null, Env(("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "1")));
        Assert.Equal(new Shard(2, 4), shard);
        Assert.Contains("SLURM_ARRAY_TASK_ID=3", note);
        Assert.Contains("--shard off", note);
        Assert.Equal(new Shard(3, 4), Shard.Resolve(null, null, Env(("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "4"))).Shard);
        Assert.Equal(new Shard(3, 8), Shard.Resolve(null, 8, Env(("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "4"))).Shard);
    }

    [Fact]
    public void Kubernetes_Indexed_Jobs_Take_The_Count_From_The_Flag_Or_Mpt_Shard_Count()
    {
        Assert.Equal(new Shard(2, 5), Shard.Resolve(null, 5, Env(("JOB_COMPLETION_INDEX", "2"))).Shard);
        Assert.Equal(new Shard(2, 3), Shard.Resolve(null, null, Env(("JOB_COMPLETION_INDEX", "2"), ("MPT_SHARD_COUNT", "3"))).Shard);
        Assert.Equal(new Shard(2, 6), Shard.Resolve(null, 6, Env(("JOB_COMPLETION_INDEX", "2"), ("MPT_SHARD_COUNT", "3"))).Shard);
    }

    [Theory]
    [InlineData("2/2", null, "", "--shard 2/2: the shard index must be in 0..1")]
    [InlineData("-1/2", null, "", "--shard -1/2: the shard index must be in 0..1")]
    [InlineData("0/0", null, "", "--shard 0/0: the shard count must be at least 1")]
    [InlineData("1-2", null, "", "--shard takes INDEX/COUNT")]
    [InlineData("0/2", 2, "", "--shard-count goes with a shard index from the environment")]
    [InlineData(null, 2, "", "--shard-count needs a shard index from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX")]
    [InlineData(null, null, "SLURM_ARRAY_TASK_ID=4 SLURM_ARRAY_TASK_COUNT=4", "SLURM_ARRAY_TASK_ID=4 (SLURM_ARRAY_TASK_MIN=0, SLURM_ARRAY_TASK_COUNT=4;")]
    [InlineData(null, null, "SLURM_ARRAY_TASK_ID=x SLURM_ARRAY_TASK_COUNT=4", "SLURM_ARRAY_TASK_ID must be an integer, got 'x'")]
    [InlineData(null, null, "SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not")]
    [InlineData(null, null, "JOB_COMPLETION_INDEX=1", "JOB_COMPLETION_INDEX is set (Kubernetes Indexed Job) but the shard count is not: pass --shard-count N or set MPT_SHARD_COUNT")]
    [InlineData(null, null, "JOB_COMPLETION_INDEX=3 MPT_SHARD_COUNT=3", "JOB_COMPLETION_INDEX=3 (MPT_SHARD_COUNT=3): the shard index must be in 0..2")]
    [InlineData(null, null, "JOB_COMPLETION_INDEX=0 MPT_SHARD_COUNT=0", "JOB_COMPLETION_INDEX=0 (MPT_SHARD_COUNT=0): the shard count must be at least 1")]
    public void Bad_Values_Are_Refused_In_One_Line_Naming_The_Flag_Or_Variable(string? flag, int? count, string env, string expected)
    {
        var vars = env.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => (v[..v.IndexOf('=')], v[(v.IndexOf('=') + 1)..])).ToArray();
        var e = Assert.Throws<ArgumentException>(() => Shard.Resolve(flag, count, Env(vars)));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void The_Items_Of_A_Stage_Are_Its_Training_Runs_Sorted_By_Folder()
    {
        var config = ConfigJson.Parse("""
        {
          "model": {"path": "m"},
          "sources": [{"task": "rte", "data": "d"}, {"task": "mrpc", "data": "d"}],
          "targets": [{"task": "superglue-cb", "data": "d"}, {"task": "cola", "data": "d"}],
          "adapt": {"methods": ["pt", "mpt", "majority"], "seeds": [7, 13]}
        }
        """);
        Assert.Equal(["teachers/mrpc", "teachers/rte"], WorkItems.Of(config, PipelineStages.Teachers));
        Assert.Equal(["distill"], WorkItems.Of(config, PipelineStages.Distill));
        // The untrained majority baseline is no item: every full invocation recomputes it.
        Assert.Equal(
            ["adapt/cola/mpt/seed-13", "adapt/cola/mpt/seed-7", "adapt/cola/pt/seed-13", "adapt/cola/pt/seed-7",
             "adapt/superglue-cb/mpt/seed-13", "adapt/superglue-cb/mpt/seed-7", "adapt/superglue-cb/pt/seed-13", "adapt/superglue-cb/pt/seed-7"],
            WorkItems.Of(config, PipelineStages.Adapt));
        var multi = config with { Adapt = config.Adapt with { MultiTarget = true, Methods = ["mpt"] } };
        Assert.Equal(["adapt/_multi/mpt_multi/seed-13", "adapt/_multi/mpt_multi/seed-7"], WorkItems.Of(multi, PipelineStages.Adapt));
    }
}
