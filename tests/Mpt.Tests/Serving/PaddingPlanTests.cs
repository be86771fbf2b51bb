using Mpt.Serving;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>Splitting a batch's rows into forwards by input length only where the padding saved outweighs a forward.</summary>
public sealed class PaddingPlanTests
{
    [Fact]
    public void Should_Run_One_Long_Input_Apart_From_Short_Ones()
    {
        // Together: 4 × (4 + 200) = 816 tokens + 128; apart: 3 × (4 + 5) + 128 and 1 × (4 + 200) + 128 = 487.
        var runs = PaddingPlan.Split([5, 200, 5, 6], promptLength: 4);

        Assert.Equal(2, runs.Count);
        Assert.Equal([0, 2, 3], runs[0]);
        Assert.Equal([1], runs[1]);
    }

    [Fact]
    public void Should_Keep_Rows_Of_Similar_Length_In_One_Forward_In_Their_Order()
    {
        var runs = PaddingPlan.Split([12, 10, 30, 11], promptLength: 10);

        Assert.Equal([0, 1, 2, 3], Assert.Single(runs));
    }

    [Fact]
    public void Should_Cover_Every_Row_Once_With_No_Overhead_Split_To_Equal_Lengths()
    {
        // Without a cost per forward every distinct length is its own run.
        var runs = PaddingPlan.Split([3, 1, 2, 1, 3], promptLength: 0, overheadTokens: 0);

        Assert.Equal([[1, 3], [2], [0, 4]], runs);
        Assert.Empty(PaddingPlan.Split([], 4));
    }
}
