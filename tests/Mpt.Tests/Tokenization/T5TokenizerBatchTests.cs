using Mpt.Tokenization;
using Xunit;

namespace Mpt.Tests.Tokenization;

/// <summary>Padding and truncation as HF <c>tokenizer(texts, padding=True[, truncation=True, max_length=m])</c>.</summary>
public sealed class T5TokenizerBatchTests
{
    private static T5Tokenizer Tok => TokenizerGolden.Tokenizer;

    [Fact]
    public void Should_Equal_The_Golden_Batch_Example()
    {
        // Given
        var golden = TokenizerGolden.BatchExample;

        // When
        var batch = Tok.EncodeBatch(golden.Texts);

        // Then
        Assert.Equal(golden.Texts.Length, batch.BatchSize);
        Assert.Equal(golden.InputIds[0].Length, batch.SequenceLength);
        for (int b = 0; b < batch.BatchSize; b++)
        {
            Assert.Equal(golden.InputIds[b], batch.InputIdsRow(b));
            Assert.Equal(golden.AttentionMask[b], batch.AttentionMaskRow(b));
        }
    }

    [Fact]
    public void Should_Convert_The_Batch_To_Int64_Tensors()
    {
        var golden = TokenizerGolden.BatchExample;
        var batch = Tok.EncodeBatch(golden.Texts);

        var (ids, mask) = batch.ToTensors();
        using (ids)
        using (mask)
        {
            Assert.Equal(new long[] { batch.BatchSize, batch.SequenceLength }, ids.shape);
            Assert.Equal(TorchSharp.torch.ScalarType.Int64, ids.dtype);
            Assert.Equal(golden.InputIds.SelectMany(r => r).ToArray(), ids.data<long>().ToArray());
            Assert.Equal(golden.AttentionMask.SelectMany(r => r).ToArray(), mask.data<long>().ToArray());
        }
    }

    public static TheoryData<int, string> Entries() => TokenizerGolden.EntryCases();

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_Truncate_Keeping_Eos_Last_As_Hf_Does(int index, string category)
    {
        // HF prepare_for_model: ids (the tokens of hf_tokens) are cut to max_length - 1 (room for the one special
        // token), then eos is appended unless the cut ids already end with eos. Expected values come from the golden
        // hf_ids/hf_tokens and that rule, for every max_length from 2 to one past the full length.
        var e = TokenizerGolden.Entries[index];
        Assert.Equal(category, e.Category);
        int[] tokens = e.HfIds[..e.HfTokens.Length];
        for (int m = 2; m <= e.HfIds.Length + 1; m++)
        {
            int[] expected;
            if (tokens.Length + 1 <= m)
            {
                expected = e.HfIds;
            }
            else
            {
                int[] cut = tokens[..(m - 1)];
                expected = cut[^1] == Tok.EosId ? cut : [.. cut, Tok.EosId];
            }

            var batch = Tok.EncodeBatch([e.Text], maxLength: m);

            Assert.Equal(expected.Select(i => (long)i).ToArray(), batch.InputIdsRow(0));
            Assert.True(batch.SequenceLength <= m);
            Assert.All(batch.AttentionMaskRow(0), v => Assert.Equal(1L, v));
        }
    }

    [Fact]
    public void Should_Pad_To_The_Longest_Row_Not_To_MaxLength()
    {
        var texts = TokenizerGolden.BatchExample.Texts;
        int longest = texts.Max(t => Tok.Encode(t).Length);

        var batch = Tok.EncodeBatch(texts, maxLength: longest + 10);

        Assert.Equal(longest, batch.SequenceLength);
        for (int b = 0; b < texts.Length; b++)
        {
            int[] ids = Tok.Encode(texts[b]);
            long[] row = batch.InputIdsRow(b);
            Assert.Equal(ids.Select(i => (long)i), row.Take(ids.Length));
            Assert.All(row.Skip(ids.Length), v => Assert.Equal((long)Tok.PadId, v));
            Assert.Equal(Enumerable.Repeat(1L, ids.Length).Concat(Enumerable.Repeat(0L, longest - ids.Length)), batch.AttentionMaskRow(b));
        }
    }

    [Fact]
    public void Should_Return_An_Empty_Batch_For_No_Texts()
    {
        var batch = Tok.EncodeBatch([]);
        Assert.Equal(0, batch.BatchSize);
        Assert.Empty(batch.InputIds);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(-3)]
    public void Should_Reject_A_MaxLength_Without_Room_For_Eos(int maxLength)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Tok.EncodeBatch(["Hello world"], maxLength));
        Assert.Contains("maxLength", error.Message);
    }
}
