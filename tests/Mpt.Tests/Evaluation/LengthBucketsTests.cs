using Mpt.Evaluation;
using Xunit;

namespace Mpt.Tests.Evaluation;

public sealed class LengthBucketsTests
{
    [Fact]
    public void Should_Batch_Longest_First_And_Cover_Every_Index_Once()
    {
        // Given
        int[] lengths = [3, 9, 1, 9, 5, 2, 7];

        // When
        var sorted = LengthBuckets.Plan(lengths, batchSize: 3);
        var unsorted = LengthBuckets.Plan(lengths, batchSize: 3, sortByLength: false);

        // Then
        Assert.Equal([[1, 3, 6], [4, 0, 5], [2]], sorted);
        Assert.Equal([[0, 1, 2], [3, 4, 5], [6]], unsorted);
        Assert.Throws<ArgumentOutOfRangeException>(() => LengthBuckets.Plan(lengths, 0));
    }
}
