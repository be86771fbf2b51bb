using Mpt.Training;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Training;

public sealed class BatchCollatorTests
{
    [Fact]
    public void Should_Pad_Inputs_With_Pad_And_Labels_With_Minus_100_To_The_Longest_Row()
    {
        // Given
        var collator = new BatchCollator(padTokenId: 0, eosTokenId: 1);
        using var scope = torch.NewDisposeScope();

        // When
        var batch = collator.Collate([new TrainingExample([5, 6, 1], [7, 1], 2), new TrainingExample([8, 1], [9, 10, 1], 0)]);

        // Then
        Assert.Equal(new long[] { 5, 6, 1, 8, 1, 0 }, batch.InputIds.data<long>().ToArray());
        Assert.Equal(new long[] { 2, 3 }, batch.InputIds.shape);
        Assert.Equal(new long[] { 1, 1, 1, 1, 1, 0 }, batch.AttentionMask.data<long>().ToArray());
        Assert.Equal(new long[] { 7, 1, -100, 9, 10, 1 }, batch.Labels.data<long>().ToArray());
        Assert.Equal(new long[] { 2, 0 }, batch.TaskIds.data<long>().ToArray());
        Assert.Equal(2, batch.Size);
    }

    [Fact]
    public void Should_Truncate_Long_Inputs_And_Keep_The_Final_Eos()
    {
        var collator = new BatchCollator(0, 1, maxSourceLength: 4, maxTargetLength: 2);
        using var scope = torch.NewDisposeScope();

        var batch = collator.Collate([new TrainingExample([5, 6, 7, 8, 9, 1], [3, 4, 1], 0), new TrainingExample([5, 6, 7, 8, 9], [3], 0)]);

        // With eos: 3 tokens + eos (HF's T5 tokenizer truncates to max − 1 and appends eos); without eos: a plain cut.
        Assert.Equal(new long[] { 5, 6, 7, 1, 5, 6, 7, 8 }, batch.InputIds.data<long>().ToArray());
        Assert.Equal(new long[] { 3, 1, 3, -100 }, batch.Labels.data<long>().ToArray());
    }

    [Fact]
    public void Should_Reject_Empty_Batches_And_Examples_Naming_The_Example()
    {
        var collator = new BatchCollator(0, 1);
        Assert.Throws<ArgumentException>(() => collator.Collate([]));
        var e = Assert.Throws<ArgumentException>(() => collator.Collate([new TrainingExample([5, 1], [3, 1], 0), new TrainingExample([], [3, 1], 4)]));
        Assert.Contains("example 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchCollator(0, 1, maxSourceLength: 0));
    }
}
