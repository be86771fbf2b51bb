using Mpt.Reports;
using Xunit;

namespace Mpt.Tests.Reports;

/// <summary>The printed comparison lines: signs, alignment, the verdict, and which pairs are printed.</summary>
public sealed class ComparisonLinesTests
{
    private static MethodComparison C(string a, string b, double mean, double low, double high) => new(a, b, mean, low, high, 10_000, 0.95, 3, 200);

    [Fact]
    public void Should_Print_One_Aligned_Line_Per_Comparison_Of_Trained_Methods_With_Its_Interval_And_Verdict()
    {
        var comparisons = new Dictionary<string, IReadOnlyDictionary<string, MethodComparison>>
        {
            ["uci-amazon"] = new Dictionary<string, MethodComparison>
            {
                ["mpt-pt"] = C("mpt", "pt", 0.66, -2.14, 3.35),
                ["mpt-spot"] = C("mpt", "spot", 7.04, 2.5, 11.96),
                ["pt-majority"] = C("pt", "majority", 36.8, 31.0, 41.0), // against a baseline: results.json and the report only
            },
            ["fortune-topic"] = new Dictionary<string, MethodComparison> { ["spot-pt"] = C("spot", "pt", -4.05, -7.5, -0.5) },
        };

        string text = ComparisonLines.Format(comparisons);

        Assert.Equal(
            "paired differences (95 % bootstrap interval over seeds and test examples, 10,000 resamples; docs/statistics.md):\n" +
            "uci-amazon     MPT − PT    +0.7 [−2.1, +3.4]   not distinguishable from 0\n" +
            "uci-amazon     MPT − SPoT  +7.0 [+2.5, +12.0]  distinguishable from 0 (MPT better)\n" +
            "fortune-topic  SPoT − PT   −4.1 [−7.5, −0.5]   distinguishable from 0 (PT better)\n",
            text.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Should_Print_Nothing_Without_Comparisons()
    {
        Assert.Equal("", ComparisonLines.Format(null));
        Assert.Equal("", ComparisonLines.Format(new Dictionary<string, IReadOnlyDictionary<string, MethodComparison>>()));
    }

    [Fact]
    public void Should_Call_An_Interval_Touching_Zero_Not_Distinguishable()
    {
        Assert.False(C("mpt", "pt", 50, 0, 100).Distinguishable);
        Assert.True(C("mpt", "pt", 50, 1e-9, 100).Distinguishable);
        Assert.True(C("mpt", "pt", -50, -100, -1e-9).Distinguishable);
    }
}
