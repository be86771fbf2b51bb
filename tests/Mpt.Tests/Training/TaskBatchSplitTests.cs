using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Training;

/// <summary>
/// How the sampler divides a batch among the K tasks it drew: in proportion to their sizes (default), or equally (the
/// earlier split, kept as <see cref="TaskBatchSplit.Equal"/>).
/// </summary>
public sealed class TaskBatchSplitTests
{
    // The paper's six sources (MNLI, QNLI, QQP, SST-2, SQuAD, ReCoRD), approximate train sizes.
    private static readonly long[] PaperSources = [392_702, 104_743, 363_846, 67_349, 87_599, 100_730];

    private static double[] Shares(TaskSamplerOptions options, int batches, ulong seed)
    {
        var sampler = new TaskSampler(PaperSources, options, seed);
        var total = new double[PaperSources.Length];
        for (int i = 0; i < batches; i++)
        {
            var a = sampler.Next();
            for (int t = 0; t < total.Length; t++) total[t] += a.ExamplesPerTask[t];
        }
        return total.Select(x => x / (batches * (double)options.BatchSize)).ToArray();
    }

    private static double[] Rates => PaperSources.Select(n => n / (double)PaperSources.Sum()).ToArray();

    [Fact]
    public void Proportional_Split_Should_Keep_Each_Task_Near_Its_Examples_Proportional_Share()
    {
        // Given the default options (K distinct tasks, proportional split), many batches of 32
        var shares = Shares(new TaskSamplerOptions { BatchSize = 32 }, 20_000, seed: 5);

        // Then every task's share of the examples is within 3 points of its share of the data (MNLI 35 %, SST-2 6 %).
        // Not exact: the K distinct draws include a large task less often than K times its rate, and the proportional
        // split over-corrects slightly (MNLI about 37.6 %, SST-2 about 5.2 %).
        for (int t = 0; t < shares.Length; t++)
            Assert.True(Math.Abs(shares[t] - Rates[t]) < 0.03, $"task {t}: share {shares[t]:P1}, rate {Rates[t]:P1}");
    }

    [Fact]
    public void Equal_Split_Should_Flatten_The_Mix_Towards_Uniform()
    {
        var shares = Shares(new TaskSamplerOptions { BatchSize = 32, BatchSplit = TaskBatchSplit.Equal }, 20_000, seed: 5);

        // MNLI falls from 35 % to about 24 %, SST-2 rises from 6 % to about 11 %.
        Assert.InRange(shares[0], 0.22, 0.26);
        Assert.InRange(shares[3], 0.10, 0.125);
    }

    [Fact]
    public void Proportional_Split_Should_Give_Each_Drawn_Task_One_Example_Plus_Its_Share_Of_The_Rest()
    {
        var sampler = new TaskSampler(PaperSources, new TaskSamplerOptions { BatchSize = 32 }, seed: 9);
        for (int i = 0; i < 2000; i++)
        {
            var a = sampler.Next();
            var drawn = Enumerable.Range(0, PaperSources.Length).Where(t => a.ExamplesPerTask[t] > 0).ToList();
            Assert.Equal(a.TasksDrawn, drawn.Count);
            Assert.Equal(32, a.ExamplesPerTask.Sum());
            double weight = drawn.Sum(t => Rates[t]);
            // Largest remainder: each count is its quota 1 + (32 − K)·w/W rounded down or up.
            foreach (int t in drawn)
            {
                double quota = 1 + (32 - a.TasksDrawn) * Rates[t] / weight;
                Assert.InRange(a.ExamplesPerTask[t], Math.Floor(quota), Math.Ceiling(quota));
            }
        }
    }

    [Fact]
    public void Equal_Split_Should_Reproduce_The_Earlier_Allocation()
    {
        // The first batches of the earlier sampler (equal split, the only one then) for these sizes and seed 7.
        long[] sizes = [392_702, 362_846, 103_743, 66_349, 87_599, 100_730];
        int[][] earlier =
        [
            [7, 5, 5, 5, 5, 5], [5, 5, 7, 5, 5, 5], [10, 12, 10, 0, 0, 0], [16, 16, 0, 0, 0, 0], [16, 0, 0, 0, 0, 16],
            [5, 5, 5, 7, 5, 5], [5, 5, 5, 5, 5, 7], [5, 5, 5, 5, 7, 5], [12, 10, 10, 0, 0, 0], [10, 0, 0, 10, 0, 12],
            [12, 0, 10, 0, 0, 10], [16, 0, 0, 0, 16, 0],
        ];
        var sampler = new TaskSampler(sizes, new TaskSamplerOptions { BatchSize = 32, BatchSplit = TaskBatchSplit.Equal }, seed: 7);

        Assert.Equal(earlier, earlier.Select(_ => sampler.Next().ExamplesPerTask.ToArray()).ToArray());
    }
}
