using Mpt.Numerics;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Numerics;

/// <summary>The probe's summary on fixed inputs: the median is the rate, the spread comes from measured values.</summary>
public sealed class TimingSummaryTests
{
    [Fact]
    public void Should_Take_The_Middle_Value_And_Measured_Quartiles()
    {
        var odd = TimingSummary.Of([9, 1, 7, 3, 5]);
        Assert.Equal(new TimingSummary(5, 3, 7, 1, 9, 5), odd);

        // Even count: the median is the mean of the two middle values; quartiles are measured values (type 1).
        var even = TimingSummary.Of([8, 1, 2, 7, 3, 6, 4, 5]);
        Assert.Equal(new TimingSummary(4.5, 2, 6, 1, 8, 8), even);
    }

    [Fact]
    public void Should_Refuse_An_Empty_Or_Non_Finite_List()
    {
        Assert.Throws<ArgumentException>(() => TimingSummary.Of([]));
        Assert.Throws<ArgumentException>(() => TimingSummary.Of([1, double.NaN]));
        Assert.Throws<ArgumentException>(() => TimingSummary.MedianOf([]));
    }

    [Fact]
    public void A_Gemm_Rate_Should_Be_The_Median_Rounds_Rate_With_One_Disturbed_Round_Moving_Only_The_Extremes()
    {
        // 1000³ product = 2 GFLOP. Rounds of 10, 20, 20, 40 ms and one of 1000 ms (another process had the cores):
        // the mean time (218 ms, 9.2 GFLOP/s) would report the disturbance; the median round (20 ms) does not.
        var times = TimingSummary.Of([20, 10, 1000, 40, 20]);
        var rate = new GemmRate(1000, 1000, 1000, torch.ScalarType.Float32, times);

        Assert.Equal(100, rate.GflopPerS, 9);
        var spread = rate.GflopPerSSpread;
        Assert.Equal(100, spread.Median, 9);
        Assert.Equal(2, spread.Min, 9);       // the 1000 ms round
        Assert.Equal(200, spread.Max, 9);     // the 10 ms round
        Assert.Equal(50, spread.LowerQuartile, 9);  // the 40 ms round: quartiles swap ends with time → rate
        Assert.Equal(100, spread.UpperQuartile, 9);
        Assert.Equal(5, spread.Count);
    }

    [Fact]
    public void The_Probe_Should_Time_Each_Dtype_For_Its_Rounds_And_Stop_At_The_Minimum_When_Out_Of_Budget()
    {
        var quick = new GemmProbeOptions { WarmupProducts = 1, MinWarmupMs = 0, Rounds = 4, MinRoundMs = 0 };
        var rates = GemmRate.Measure(8, 16, 12, [torch.ScalarType.Float32, torch.ScalarType.BFloat16], quick);

        Assert.Equal([torch.ScalarType.Float32, torch.ScalarType.BFloat16], rates.Select(r => r.Dtype));
        Assert.All(rates, r => Assert.Equal(4, r.MsPerProduct.Count));
        Assert.All(rates, r => Assert.True(r.GflopPerS > 0));

        // No budget left from the start: every dtype gets its minimum of rounds, no more.
        var broke = GemmRate.Measure(8, 16, 12, torch.ScalarType.Float32, quick with { MaxMs = 0, MinRounds = 2 });
        Assert.Equal(2, broke.MsPerProduct.Count);
    }

    [Fact]
    public void The_Probe_Should_Refuse_A_Repeated_Dtype_And_Bad_Options()
    {
        Assert.Throws<ArgumentException>(() => GemmRate.Measure(2, 2, 2, [torch.ScalarType.Float32, torch.ScalarType.Float32]));
        Assert.Throws<ArgumentOutOfRangeException>(() => GemmRate.Measure(2, 2, 2, torch.ScalarType.Float32, new GemmProbeOptions { Rounds = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => GemmRate.Measure(0, 2, 2, torch.ScalarType.Float32));
    }
}
