using Mpt.Cli;
using Mpt.Distributed;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Distributed;

/// <summary>The process-local pieces of data parallelism: launcher detection, batch slices, no re-exec under a launcher.</summary>
public sealed class DataParallelPartsTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void A_Launcher_Is_Recognised_By_Its_Rank_Variables_Only()
    {
        Assert.Null(MpiLauncher.Detect(Env()));
        // Slurm sets SLURM_PROCID for every srun task, MPI or not: not a launcher by itself.
        Assert.Null(MpiLauncher.Detect(Env(("SLURM_PROCID", "0"), ("SLURM_NTASKS", "2"))));
        Assert.Equal("OMPI_COMM_WORLD_SIZE", MpiLauncher.Detect(Env(("OMPI_COMM_WORLD_SIZE", "2"))));
        Assert.Equal("PMIX_RANK", MpiLauncher.Detect(Env(("PMIX_RANK", "1"))));
        Assert.Equal("PMI_RANK", MpiLauncher.Detect(Env(("PMI_RANK", "0"))));
        Assert.Null(MpiLauncher.Detect(Env(("PMI_RANK", ""))));
    }

    [Theory]
    [InlineData(5, 2)]
    [InlineData(8, 3)]
    [InlineData(4, 4)]
    [InlineData(32, 1)]
    public void Slices_Cover_The_Batch_In_Order_With_Sizes_Differing_By_At_Most_One(int batchSize, int ranks)
    {
        var slices = Enumerable.Range(0, ranks).Select(r => DataParallelStep.Slice(batchSize, ranks, r)).ToList();
        int next = 0;
        foreach (var (start, count) in slices)
        {
            Assert.Equal(next, start);
            next += count;
        }
        Assert.Equal(batchSize, next);
        Assert.True(slices.Max(s => s.Count) - slices.Min(s => s.Count) <= 1);
        Assert.True(slices.All(s => s.Count >= 1));
    }

    [Fact]
    public void Under_A_Launcher_The_Reproducible_Mode_Is_Not_Reached_By_Restarting()
    {
        // A rank must not execve itself: its launcher tracks it. The variables come from the launcher's command line.
        var decision = ReproducibleRelaunch.Decide(true, Env(("OMPI_COMM_WORLD_SIZE", "2")));
        Assert.Equal(RelaunchAction.SetByLauncher, decision.Action);
        Assert.NotEmpty(decision.Differences);
        Assert.Equal(RelaunchAction.Relaunch, ReproducibleRelaunch.Decide(true, Env()).Action);
    }
}
