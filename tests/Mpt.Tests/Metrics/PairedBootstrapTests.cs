using Mpt.Metrics;
using Xunit;

namespace Mpt.Tests.Metrics;

/// <summary>
/// The paired two-level bootstrap: against a case whose bootstrap distribution is enumerated by hand, against a brute-force
/// enumeration of a larger case, and on its defining behaviours (pairing, identical methods, clearly better method,
/// determinism under a seed).
/// </summary>
public sealed class PairedBootstrapTests
{
    /// <summary>Accuracy (%) of per-example correctness on a draw of example indices.</summary>
    private static Func<IReadOnlyList<int>, double> Accuracy(params int[] correct) => draw => 100.0 * draw.Sum(i => correct[i]) / draw.Count;

    /// <summary>
    /// Two seeds × two examples; correctness per seed and example:
    /// <code>
    ///          A        B        A − B per example
    /// seed 1   [1, 1]   [0, 1]   [1, 0]
    /// seed 2   [0, 1]   [0, 0]   [0, 1]
    /// </code>
    /// Observed: A = (100 + 50)/2 = 75, B = (50 + 0)/2 = 25, difference 50. A resample draws two seeds (m = copies of seed 1:
    /// 2, 1, 0 with probability 1/4, 1/2, 1/4) and two examples (c = copies of example 1, same law), independently; its
    /// difference is the mean of the per-example differences over the drawn seed–example pairs,
    /// 100 · [m·c + (2 − m)(2 − c)] / 4:
    /// <code>
    ///        c = 2   c = 1   c = 0
    /// m = 2   100      50       0
    /// m = 1    50      50      50
    /// m = 0     0      50     100
    /// </code>
    /// so the bootstrap distribution is 0 (1/8), 50 (3/4), 100 (1/8). Each end carries 12.5 % &gt; 2.5 %, so the 95 %
    /// percentile interval is exactly [0, 100]: it contains 0, so a 50-point difference on two examples is not distinguishable.
    /// </summary>
    [Fact]
    public void Should_Match_The_Hand_Enumerated_Distribution_Of_Two_Seeds_And_Two_Examples()
    {
        Func<IReadOnlyList<int>, double>[] a = [Accuracy(1, 1), Accuracy(0, 1)];
        Func<IReadOnlyList<int>, double>[] b = [Accuracy(0, 1), Accuracy(0, 0)];
        var bootstrap = new PairedBootstrap(resamples: 10_000, seed: 7);

        var interval = bootstrap.Compare(2, a, b);

        Assert.Equal(50.0, interval.Mean, 12);
        Assert.Equal(0.0, interval.Low, 12);
        Assert.Equal(100.0, interval.High, 12);
        Assert.Equal(10_000, interval.Resamples);
        Assert.False(interval.Distinguishable);
        // The resampled frequencies converge to the enumerated probabilities: with 10,000 resamples the standard error of
        // a frequency near 1/8 is 0.0033, so 0.015 is more than four standard errors.
        var differences = bootstrap.Differences(2, a, b);
        Assert.All(differences, d => Assert.Contains(Math.Round(d, 9), new[] { 0.0, 50.0, 100.0 }));
        Assert.Equal(1.0 / 8, differences.Count(d => Math.Abs(d) < 1e-9) / 10_000.0, 0.015);
        Assert.Equal(3.0 / 4, differences.Count(d => Math.Abs(d - 50) < 1e-9) / 10_000.0, 0.015);
        Assert.Equal(1.0 / 8, differences.Count(d => Math.Abs(d - 100) < 1e-9) / 10_000.0, 0.015);
    }

    /// <summary>
    /// Two groups (run folders) of two seeds and one example each. In group 0 A beats B on both seeds (A − B = 100), in
    /// group 1 they tie on both (0): within a group the seeds agree, so one folder alone gives an interval of one point,
    /// [100, 100] or [0, 0]. Pooled, a resample draws two groups with replacement — {0, 0}, {0, 1}, {1, 0}, {1, 1} — whose
    /// mean difference is 100, 50, 50, 0: the distribution 0 (1/4), 50 (1/2), 100 (1/4) and the 95 % interval [0, 100].
    /// </summary>
    [Fact]
    public void Should_Resample_The_Groups_So_That_Agreeing_Seeds_Within_A_Folder_Do_Not_Hide_The_Folders_Disagreement()
    {
        var beats = (Accuracy(1), Accuracy(0));
        var ties = (Accuracy(1), Accuracy(1));
        var bootstrap = new PairedBootstrap(resamples: 10_000, seed: 3);

        var within = bootstrap.Compare(1, [beats.Item1, beats.Item1], [beats.Item2, beats.Item2]);
        var pooled = bootstrap.CompareGrouped(1, [[beats, beats], [ties, ties]]);

        Assert.Equal((100.0, 100.0, 100.0), (within.Mean, within.Low, within.High));
        Assert.Equal((50.0, 0.0, 100.0), (pooled.Mean, pooled.Low, pooled.High));
        Assert.False(pooled.Distinguishable);
        var differences = bootstrap.GroupedDifferences(1, [[beats, beats], [ties, ties]]);
        Assert.All(differences, d => Assert.Contains(Math.Round(d, 9), new[] { 0.0, 50.0, 100.0 }));
        Assert.Equal(1.0 / 4, differences.Count(d => Math.Abs(d) < 1e-9) / 10_000.0, 0.02);
        Assert.Equal(1.0 / 2, differences.Count(d => Math.Abs(d - 50) < 1e-9) / 10_000.0, 0.02);
    }

    /// <summary>
    /// Two identical groups (a method pair that does not depend on the group, such as SPoT − PT copied into every folder)
    /// of two seeds, A − B = 100 on seed 1 and 0 on seed 2, one example. The seeds are crossed with the groups — one seed
    /// draw for both — so the pooled distribution is that of one folder: the mean of two seed draws, 0 (1/4), 50 (1/2),
    /// 100 (1/4). Drawing seeds per group instead would average four draws and give 25 and 75 as well, an interval
    /// narrower than one folder's for runs that are mere copies.
    /// </summary>
    [Fact]
    public void Should_Draw_The_Seeds_Once_For_All_Groups_So_That_Copies_Of_A_Folder_Add_Nothing()
    {
        var beats = (Accuracy(1), Accuracy(0));
        var ties = (Accuracy(1), Accuracy(1));

        var differences = new PairedBootstrap(resamples: 10_000, seed: 5).GroupedDifferences(1, [[beats, ties], [beats, ties]]);

        Assert.All(differences, d => Assert.Contains(Math.Round(d, 9), new[] { 0.0, 50.0, 100.0 }));
        Assert.Equal(1.0 / 4, differences.Count(d => Math.Abs(d) < 1e-9) / 10_000.0, 0.02);
        Assert.Equal(1.0 / 2, differences.Count(d => Math.Abs(d - 50) < 1e-9) / 10_000.0, 0.02);
    }

    [Fact]
    public void Should_Refuse_Pooled_Groups_With_Different_Seed_Counts_Naming_The_Group() =>
        Assert.Contains("group 1 has 2 seed pairs", Assert.Throws<ArgumentException>(() =>
            new PairedBootstrap(10).CompareGrouped(1, [[(Accuracy(1), Accuracy(0))], [(Accuracy(1), Accuracy(0)), (Accuracy(1), Accuracy(0))]])).Message);

    /// <summary>
    /// Three seeds × three examples: all 3³ seed draws × 3³ example draws (729 equally likely resamples) enumerated by
    /// brute force; the resampled distribution function stays within 0.02 of the exact one everywhere (Kolmogorov
    /// distance; its standard error at 10,000 resamples is below 0.005).
    /// </summary>
    [Fact]
    public void Should_Converge_To_The_Exactly_Enumerated_Distribution_Of_Three_Seeds_And_Three_Examples()
    {
        int[][] correctA = [[1, 1, 0], [1, 0, 1], [1, 1, 1]];
        int[][] correctB = [[0, 1, 0], [1, 0, 0], [0, 1, 1]];
        var exact = new List<double>();
        foreach (var seeds in Draws(3))
            foreach (var examples in Draws(3))
                exact.Add(seeds.Average(s => Accuracy(correctA[s])(examples) - Accuracy(correctB[s])(examples)));
        exact.Sort();
        var bootstrap = new PairedBootstrap(resamples: 10_000, seed: 3);
        var a = correctA.Select(c => Accuracy(c)).ToList();
        var b = correctB.Select(c => Accuracy(c)).ToList();

        var sampled = bootstrap.Differences(3, a, b);

        foreach (double x in exact.Distinct())
        {
            double exactCdf = exact.Count(v => v <= x + 1e-9) / (double)exact.Count;
            double sampledCdf = sampled.Count(v => v <= x + 1e-9) / (double)sampled.Length;
            Assert.True(Math.Abs(exactCdf - sampledCdf) < 0.02, $"at {x}: exact F = {exactCdf:F4}, resampled F = {sampledCdf:F4}");
        }
        Assert.Equal((200.0 / 3 + 200.0 / 3 + 100) / 3 - (100.0 / 3 + 100.0 / 3 + 200.0 / 3) / 3, bootstrap.Compare(3, a, b).Mean, 12);
    }

    /// <summary>Every ordered draw of <paramref name="n"/> indices out of n with replacement (n^n of them, equally likely).</summary>
    private static IEnumerable<int[]> Draws(int n)
    {
        int total = (int)Math.Pow(n, n);
        for (int code = 0; code < total; code++)
        {
            var draw = new int[n];
            for (int i = 0, c = code; i < n; i++, c /= n) draw[i] = c % n;
            yield return draw;
        }
    }

    [Fact]
    public void Should_Include_Zero_For_Identical_Methods()
    {
        var random = new Random(1);
        var seeds = Enumerable.Range(0, 3).Select(_ => Accuracy(Enumerable.Range(0, 200).Select(_ => random.Next(2)).ToArray())).ToList();

        var interval = new PairedBootstrap(1_000).Compare(200, seeds, seeds);

        Assert.Equal((0.0, 0.0, 0.0), (interval.Mean, interval.Low, interval.High));
        Assert.False(interval.Distinguishable);
    }

    [Fact]
    public void Should_Include_Zero_For_Equally_Good_Methods_That_Err_On_Different_Examples()
    {
        // A right on the first 100 of 200 examples, B on the last 100: the same accuracy, the opposite errors.
        var a = Enumerable.Range(0, 3).Select(_ => Accuracy(Enumerable.Range(0, 200).Select(i => i < 100 ? 1 : 0).ToArray())).ToList();
        var b = Enumerable.Range(0, 3).Select(_ => Accuracy(Enumerable.Range(0, 200).Select(i => i < 100 ? 0 : 1).ToArray())).ToList();

        var interval = new PairedBootstrap(2_000).Compare(200, a, b);

        Assert.Equal(0.0, interval.Mean, 12);
        Assert.True(interval.Low < 0 && interval.High > 0, $"[{interval.Low}, {interval.High}]");
        Assert.False(interval.Distinguishable);
    }

    [Fact]
    public void Should_Exclude_Zero_For_A_Clearly_Better_Method()
    {
        // 80 % against 50 % on 200 examples and three seeds.
        var random = new Random(2);
        var a = Enumerable.Range(0, 3).Select(_ => Accuracy(Enumerable.Range(0, 200).Select(_ => random.NextDouble() < 0.8 ? 1 : 0).ToArray())).ToList();
        var b = Enumerable.Range(0, 3).Select(_ => Accuracy(Enumerable.Range(0, 200).Select(_ => random.NextDouble() < 0.5 ? 1 : 0).ToArray())).ToList();

        var interval = new PairedBootstrap(2_000).Compare(200, a, b);

        Assert.True(interval.Low > 0, $"[{interval.Low}, {interval.High}]");
        Assert.True(interval.Distinguishable);
        Assert.InRange(interval.Mean, interval.Low, interval.High);
    }

    /// <summary>
    /// The pairing: B is right on a subset of A's examples (110 of A's 120 out of 200), so on every common draw A is at
    /// least as good — the paired interval lies above 0 (about 5 ± 1.5 points), where drawing the examples of A and B
    /// independently would spread it over ±9 points and include 0.
    /// </summary>
    [Fact]
    public void Should_Draw_The_Same_Examples_For_Both_Methods()
    {
        var a = Enumerable.Range(0, 3).Select(_ => Accuracy(Enumerable.Range(0, 200).Select(i => i < 120 ? 1 : 0).ToArray())).ToList();
        var b = Enumerable.Range(0, 3).Select(_ => Accuracy(Enumerable.Range(0, 200).Select(i => i < 110 ? 1 : 0).ToArray())).ToList();
        var bootstrap = new PairedBootstrap(2_000);

        var interval = bootstrap.Compare(200, a, b);

        Assert.All(bootstrap.Differences(200, a, b), d => Assert.True(d >= 0));
        Assert.Equal(5.0, interval.Mean, 12);
        Assert.True(interval.Low > 0, $"[{interval.Low}, {interval.High}]");
    }

    [Fact]
    public void Should_Be_Deterministic_Under_A_Seed()
    {
        var random = new Random(4);
        var a = Enumerable.Range(0, 3).Select(_ => Accuracy(Enumerable.Range(0, 50).Select(_ => random.Next(2)).ToArray())).ToList();
        var b = Enumerable.Range(0, 3).Select(_ => Accuracy(Enumerable.Range(0, 50).Select(_ => random.Next(2)).ToArray())).ToList();

        Assert.Equal(new PairedBootstrap(500, seed: 11).Differences(50, a, b), new PairedBootstrap(500, seed: 11).Differences(50, a, b));
        Assert.Equal(new PairedBootstrap(500, seed: 11).Compare(50, a, b), new PairedBootstrap(500, seed: 11).Compare(50, a, b));
        Assert.NotEqual(new PairedBootstrap(500, seed: 11).Differences(50, a, b), new PairedBootstrap(500, seed: 12).Differences(50, a, b));
    }

    [Theory]
    [InlineData(0.025, 1)]
    [InlineData(0.25, 3)]
    [InlineData(0.5, 5)]
    [InlineData(0.975, 10)]
    [InlineData(1.0, 10)]
    public void Should_Take_The_Inverse_Empirical_Distribution_Function_As_Quantile(double q, double expected) =>
        Assert.Equal(expected, PairedBootstrap.Quantile(Enumerable.Range(1, 10).Select(i => (double)i).ToList(), q));

    [Fact]
    public void Should_Take_The_250th_Of_10000_Sorted_Values_As_The_Lower_End_Of_A_95_Percent_Interval() =>
        Assert.Equal(250.0, PairedBootstrap.Quantile(Enumerable.Range(1, 10_000).Select(i => (double)i).ToList(), 0.025));

    [Fact]
    public void Should_Refuse_Seed_Lists_Of_Different_Length_Naming_The_Pairing()
    {
        var e = Assert.Throws<ArgumentException>(() => new PairedBootstrap(10).Compare(2, [Accuracy(1, 0)], [Accuracy(1, 0), Accuracy(0, 0)]));
        Assert.Contains("seeds are compared in pairs", e.Message);
    }
}
