using Mpt.Evaluation;
using Mpt.Tasks;
using Mpt.Tests.Infrastructure;
using Mpt.Tokenization;
using Xunit;

namespace Mpt.Tests.Evaluation;

/// <summary>Tokenisation, truncation and padding of the feature converter, on the golden tokenizer.</summary>
public sealed class T5FeatureConverterTests
{
    private static readonly T5Tokenizer Tokenizer = T5Tokenizer.FromFolder(GoldenRoot.Combine("tokenizer"));

    [Fact]
    public void Should_Truncate_Sources_To_The_Max_Length_Keeping_Eos_Last()
    {
        // Given
        var converter = new T5FeatureConverter(Tokenizer, maxSourceLength: 5);
        const string longText = "the quick brown fox jumps over the lazy dog again and again";
        int[] full = Tokenizer.Encode(longText);
        Assert.True(full.Length > 5, "the fixture text must be longer than the limit");

        // When
        long[] truncated = converter.EncodeSource(longText);
        long[] shortIds = converter.EncodeSource("fox");

        // Then: the first 4 tokens then eos; short text untouched.
        Assert.Equal(full.Take(4).Select(i => (long)i).Append(Tokenizer.EosId), truncated);
        Assert.Equal(Tokenizer.Encode("fox").Select(i => (long)i), shortIds);
    }

    [Fact]
    public void Should_Use_The_Longest_Tokenised_Label_As_Target_Length_For_Classification_Only()
    {
        // Given
        var catalog = TaskCatalog.CreateDefault();
        TaskDefinition stsb = catalog.Get("stsb");
        TaskDefinition squad = catalog.Get("squad");
        int longest = stsb.Labels!.Max(l => Tokenizer.Encode(l).Length);

        // When
        var classification = T5FeatureConverter.ForTask(stsb, Tokenizer, freeTextMaxTargetLength: 64);
        var freeText = T5FeatureConverter.ForTask(squad, Tokenizer, freeTextMaxTargetLength: 64);

        // Then
        Assert.Equal(longest, classification.MaxTargetLength);
        Assert.Equal(longest, T5FeatureConverter.LongestLabelLength(Tokenizer, stsb.Labels!));
        Assert.Equal(64, freeText.MaxTargetLength);
    }

    [Fact]
    public void Should_Pad_Inputs_With_Pad_And_Labels_With_Minus_100()
    {
        // Given
        var converter = new T5FeatureConverter(Tokenizer, maxSourceLength: 16, maxTargetLength: 8);
        TextToTextRow[] rows =
        [
            new("rte sentence1: a b c", "1", "rte", new Dictionary<string, object?>()),
            new("rte", "the lazy dog", "rte", new Dictionary<string, object?>()),
        ];
        long[] source0 = converter.EncodeSource(rows[0].Source), source1 = converter.EncodeSource(rows[1].Source);
        long[] target0 = converter.EncodeTarget(rows[0].Target), target1 = converter.EncodeTarget(rows[1].Target);

        // When
        using Seq2SeqFeatures features = converter.Convert(rows);

        // Then
        int s = Math.Max(source0.Length, source1.Length), t = Math.Max(target0.Length, target1.Length);
        Assert.Equal(new long[] { 2, s }, features.InputIds.shape);
        Assert.Equal(new long[] { 2, t }, features.Labels.shape);
        long[] ids = features.InputIds.data<long>().ToArray(), mask = features.AttentionMask.data<long>().ToArray();
        long[] labels = features.Labels.data<long>().ToArray();
        Assert.Equal(source1.Concat(Enumerable.Repeat((long)Tokenizer.PadId, s - source1.Length)), ids[s..]);
        Assert.Equal(Enumerable.Repeat(1L, source1.Length).Concat(Enumerable.Repeat(0L, s - source1.Length)), mask[s..]);
        Assert.Equal(target0.Concat(Enumerable.Repeat(-100L, t - target0.Length)), labels[..t]);
        Assert.Equal(target1.Concat(Enumerable.Repeat(-100L, t - target1.Length)), labels[t..]);
        Assert.Equal(Tokenizer.EosId, target1[^1]);
    }

    [Fact]
    public void Should_Reject_Lengths_That_Cannot_Hold_A_Token_And_Eos()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new T5FeatureConverter(Tokenizer, maxSourceLength: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new T5FeatureConverter(Tokenizer, maxTargetLength: 1));
    }
}
