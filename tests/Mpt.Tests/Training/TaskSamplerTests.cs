using System.Text.Json;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Training;

public sealed class TaskSamplerTests
{
    [Fact]
    public void Should_Reproduce_The_Reference_Pcg32_Stream()
    {
        // pcg32-demo of the reference C implementation (pcg-random.org), pcg32_srandom(42, 54): first six outputs.
        var rng = new Pcg32(42, 54);
        uint[] want = [0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e];
        Assert.Equal(want, Enumerable.Range(0, 6).Select(_ => rng.NextUInt()).ToArray());
    }

    [Fact]
    public void Should_Draw_K_Uniformly_From_2_To_Kappa_And_K_Distinct_Tasks()
    {
        // Given: the paper's six source tasks with their (approximate) train sizes, κ = 6
        long[] sizes = [392_702, 362_846, 103_743, 66_349, 87_599, 100_730];
        var sampler = new TaskSampler(sizes, new TaskSamplerOptions { BatchSize = 32, BatchSplit = TaskBatchSplit.Equal }, seed: 11);
        const int n = 5000;
        var kCounts = new int[7];

        // When
        for (int i = 0; i < n; i++)
        {
            var a = sampler.Next();
            kCounts[a.TasksDrawn]++;
            // Then (every batch): K distinct tasks, each with ⌊32/K⌋ or that plus the remainder, summing to the batch
            Assert.Equal(a.TasksDrawn, a.ExamplesPerTask.Count(c => c > 0));
            Assert.Equal(32, a.ExamplesPerTask.Sum());
            Assert.All(a.ExamplesPerTask.Where(c => c > 0), c => Assert.True(c == 32 / a.TasksDrawn || c == 32 / a.TasksDrawn + 32 % a.TasksDrawn));
        }

        // Then: chi-square of K against U{2..6}: 4 degrees of freedom, 99.9% quantile 18.5; 25 is a generous bound.
        Assert.Equal(0, kCounts[0] + kCounts[1]);
        double expected = n / 5.0;
        double chi2 = Enumerable.Range(2, 5).Sum(k => Math.Pow(kCounts[k] - expected, 2) / expected);
        Assert.True(chi2 < 25, $"K counts {string.Join(",", kCounts.Skip(2))} give chi-square {chi2:F2}");
    }

    [Fact]
    public void Should_Give_Each_Task_Its_Exact_Expected_Share_Without_Replacement()
    {
        long[] sizes = [100, 300, 50, 550];
        const int batch = 10, n = 20000;
        var sampler = new TaskSampler(sizes, new TaskSamplerOptions { BatchSize = batch, BatchSplit = TaskBatchSplit.Equal }, seed: 3);
        var mean = MeanExamples(sampler, n);

        // Expected examples per task, by enumerating every ordered draw of K distinct tasks (sequential proportional
        // sampling), K uniform on {2..4}; each chosen task gets ⌊10/K⌋, the remainder goes to one of the K at random.
        double[] p = sizes.Select(s => s / (double)sizes.Sum()).ToArray();
        var want = new double[4];
        for (int k = 2; k <= 4; k++)
            foreach (var (seq, prob) in OrderedDraws(p, k, []))
                foreach (int task in seq)
                    want[task] += (1.0 / 3) * prob * (batch / k + (batch % k) / (double)k);

        for (int i = 0; i < 4; i++)
            Assert.True(Math.Abs(mean[i] - want[i]) < 0.02 * want[i] + 0.02, $"task {i}: mean {mean[i]:F4}, expected {want[i]:F4}");
        Assert.Equal(batch, want.Sum(), 9);
    }

    [Theory]
    [InlineData(true)]   // stochastic, with replacement, equal split: each of the K draws is task i with probability p_i
    [InlineData(false)]  // ablation: plain examples-proportional mixing
    public void Should_Mix_Examples_Proportionally_With_Replacement_Or_Without_Stochastic_Sampling(bool stochastic)
    {
        long[] sizes = [100, 300, 50, 550];
        const int batch = 10, n = 20000;
        var options = new TaskSamplerOptions { BatchSize = batch, WithReplacement = stochastic, StochasticTaskSampling = stochastic, BatchSplit = TaskBatchSplit.Equal };
        var sampler = new TaskSampler(sizes, options, seed: 5);
        var mean = MeanExamples(sampler, n);
        // E[examples of i] = p_i · batch in both modes (K·p_i·⌊b/K⌋ + p_i·(b mod K) with replacement).
        for (int i = 0; i < 4; i++)
        {
            double want = batch * sizes[i] / (double)sizes.Sum();
            Assert.True(Math.Abs(mean[i] - want) < 0.02 * want + 0.02, $"task {i}: mean {mean[i]:F4}, expected {want:F4}");
        }
    }

    [Fact]
    public void Should_Cap_Task_Sizes_In_The_Mixing_Rates()
    {
        var sampler = new TaskSampler([1000, 100, 300], new TaskSamplerOptions { SizeCap = 300 }, seed: 1);
        Assert.Equal([300 / 700.0, 100 / 700.0, 300 / 700.0], sampler.MixingRates);
    }

    [Fact]
    public void Should_Resume_Exactly_From_A_Serialised_State()
    {
        var options = new TaskSamplerOptions { BatchSize = 16 };
        var a = new TaskSampler([5, 7, 9, 11], options, seed: 99);
        for (int i = 0; i < 10; i++) a.Next();
        string json = JsonSerializer.Serialize(a.GetState());
        var afterSave = Enumerable.Range(0, 20).Select(_ => a.Next()).ToList();

        var b = new TaskSampler([5, 7, 9, 11], options, seed: 12345);
        b.SetState(JsonSerializer.Deserialize<TaskSamplerState>(json)!);
        var resumed = Enumerable.Range(0, 20).Select(_ => b.Next()).ToList();

        Assert.Equal(afterSave.Select(x => x.ExamplesPerTask.ToArray()), resumed.Select(x => x.ExamplesPerTask.ToArray()));
        Assert.Equal(30, b.GetState().BatchesDrawn);
        var c = new TaskSampler([5, 7, 9, 11], options, seed: 100);
        for (int i = 0; i < 10; i++) c.Next();
        Assert.NotEqual(afterSave.Select(x => string.Join(",", x.ExamplesPerTask)), Enumerable.Range(0, 20).Select(_ => string.Join(",", c.Next().ExamplesPerTask)));
    }

    [Fact]
    public void Should_Reject_Impossible_Settings()
    {
        Assert.Throws<ArgumentException>(() => new TaskSampler([10], new TaskSamplerOptions(), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TaskSampler([10, 10], new TaskSamplerOptions { MaxTasksPerBatch = 3 }, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TaskSampler([10, 10, 10], new TaskSamplerOptions { BatchSize = 2 }, 0));
        var e = Assert.Throws<ArgumentException>(() => new TaskSampler([10, 0], new TaskSamplerOptions(), 0));
        Assert.Contains("1", e.Message);
        // One task is fine without stochastic sampling.
        Assert.Equal(32, new TaskSampler([10], new TaskSamplerOptions { StochasticTaskSampling = false }, 0).Next().ExamplesPerTask[0]);
    }

    private static double[] MeanExamples(TaskSampler sampler, int n)
    {
        var total = new double[sampler.NumTasks];
        for (int i = 0; i < n; i++)
        {
            var a = sampler.Next();
            for (int t = 0; t < total.Length; t++) total[t] += a.ExamplesPerTask[t];
        }
        return total.Select(x => x / n).ToArray();
    }

    /// <summary>Every ordered sequence of k distinct tasks with its probability under sequential proportional draws.</summary>
    private static IEnumerable<(int[] Seq, double Prob)> OrderedDraws(double[] p, int k, int[] prefix)
    {
        if (prefix.Length == k) { yield return (prefix, 1.0); yield break; }
        double remaining = 1 - prefix.Sum(i => p[i]);
        for (int i = 0; i < p.Length; i++)
        {
            if (prefix.Contains(i)) continue;
            foreach (var (seq, prob) in OrderedDraws(p, k, [.. prefix, i]))
                yield return (seq, prob * p[i] / remaining);
        }
    }
}
