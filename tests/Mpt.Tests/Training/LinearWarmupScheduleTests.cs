using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Training;

public sealed class LinearWarmupScheduleTests
{
    [Theory]
    [InlineData(0, 0.0)]      // HF: the first update of a warm-up runs at lr 0
    [InlineData(1, 0.002)]
    [InlineData(250, 0.5)]
    [InlineData(499, 0.998)]
    [InlineData(500, 1.0)]    // peak at the end of warm-up
    [InlineData(501, 0.998)]
    [InlineData(750, 0.5)]
    [InlineData(999, 0.002)]
    [InlineData(1000, 0.0)]   // zero at the total
    [InlineData(1200, 0.0)]   // and stays there
    public void Should_Warm_Up_Linearly_Then_Decay_To_Zero(long step, double want)
    {
        Assert.Equal(want, LinearWarmupSchedule.Multiplier(step, totalSteps: 1000, warmupSteps: 500), 12);
    }

    [Fact]
    public void Should_Start_At_Full_Rate_Without_Warm_Up_And_Default_To_500_Steps()
    {
        Assert.Equal(1.0, LinearWarmupSchedule.Multiplier(0, 100, 0));
        Assert.Equal(0.5, LinearWarmupSchedule.Multiplier(50, 100, 0));
        Assert.Equal(0.5, LinearWarmupSchedule.Multiplier(250, 10_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => LinearWarmupSchedule.Multiplier(-1, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => LinearWarmupSchedule.Multiplier(0, 0));
    }
}
