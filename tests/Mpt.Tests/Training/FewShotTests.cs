using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Training;

public sealed class FewShotTests
{
    private static readonly List<TrainingExample> Pool =
        Enumerable.Range(0, 30).Select(i => new TrainingExample([i + 2, 1], [i % 3 == 0 ? 5L : 6L, 1], 0)).ToList();

    [Fact]
    public void Should_Draw_K_Distinct_Examples_That_Depend_On_The_Seed()
    {
        var a = FewShot.Sample(Pool, 8, seed: 1);
        var b = FewShot.Sample(Pool, 8, seed: 2);

        Assert.Equal(8, a.Distinct().Count());
        Assert.Equal(a, FewShot.Sample(Pool, 8, seed: 1));
        Assert.NotEqual(a, b);
        Assert.Throws<ArgumentOutOfRangeException>(() => FewShot.Sample(Pool, 31, 1));
    }

    [Fact]
    public void Should_Draw_K_Per_Class_When_Asked()
    {
        var sample = FewShot.Sample(Pool, 4, seed: 3, perClass: true);

        Assert.Equal(8, sample.Count);
        Assert.Equal(4, sample.Count(e => e.LabelIds[0] == 5));
        Assert.Equal(4, sample.Count(e => e.LabelIds[0] == 6));
    }

    [Fact]
    public void Should_Summarise_Repeated_Runs_As_Mean_And_Sample_Std()
    {
        var summary = FewShot.Repeat([1UL, 2UL, 3UL, 4UL], seed => seed); // scores 1, 2, 3, 4

        Assert.Equal(2.5, summary.Mean, 12);
        Assert.Equal(Math.Sqrt(5.0 / 3.0), summary.Std, 12); // Σ(x − 2.5)² = 5, n − 1 = 3
        Assert.Equal(0, ScoreSummary.Of([0.7]).Std);
    }
}
