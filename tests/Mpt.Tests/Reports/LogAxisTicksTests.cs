using Mpt.Reports;
using Xunit;

namespace Mpt.Tests.Reports;

public sealed class LogAxisTicksTests
{
    [Fact]
    public void Should_Place_Major_Ticks_At_Round_Numbers()
    {
        Assert.Equal([0.1, 0.2, 0.5, 1, 2], LogAxisTicks.Major(0.0631, 3.98));            // 1-2-5 per decade
        Assert.Equal([1.2, 1.5, 2, 2.5, 3], LogAxisTicks.Major(1.12, 3.98));              // narrow: denser series
        Assert.Equal([0.001, 0.01, 0.1, 1, 10, 100, 1000], LogAxisTicks.Major(1e-3, 1e3)); // wide: powers of ten
        Assert.Equal([2.7], LogAxisTicks.Major(2.7, 2.7));                                // flat curve: its value
        Assert.Equal([0.3, 0.4, 0.5, 0.6, 0.7], LogAxisTicks.Minor(0.25, 0.75));
        Assert.Throws<ArgumentOutOfRangeException>(() => LogAxisTicks.Major(0, 1));
    }
}
