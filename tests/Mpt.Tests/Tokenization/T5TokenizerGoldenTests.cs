using Mpt.Tokenization;
using Xunit;

namespace Mpt.Tests.Tokenization;

/// <summary>
/// Every golden string, every field, compared exactly with Python sentencepiece 0.1.97 and HF T5Tokenizer (slow).
/// There are no known exceptions: <see cref="KnownDifferences"/> is the place to name one, with its reason, if a
/// future golden set exposes a difference that cannot be fixed.
/// </summary>
public sealed class T5TokenizerGoldenTests
{
    /// <summary>(field, entry index) → reason. Empty: every field of every entry matches.</summary>
    private static readonly Dictionary<(string Field, int Index), string> KnownDifferences = new();

    public static TheoryData<int, string> Entries() => TokenizerGolden.EntryCases();

    private static T5Tokenizer Tok => TokenizerGolden.Tokenizer;

    private static void AssertField<T>(string field, int index, T expected, T actual)
    {
        if (KnownDifferences.ContainsKey((field, index))) return;
        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_Match_SentencePiece_Ids(int index, string category)
    {
        var e = TokenizerGolden.Entries[index];
        Assert.Equal(category, e.Category);
        AssertField("sp_ids", index, e.SpIds, Tok.EncodeSentencePiece(e.Text));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_Match_SentencePiece_Pieces(int index, string category)
    {
        var e = TokenizerGolden.Entries[index];
        Assert.Equal(category, e.Category);
        AssertField("sp_pieces", index, e.SpPieces, Tok.EncodeSentencePiecePieces(e.Text));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_Match_SentencePiece_Decode(int index, string category)
    {
        var e = TokenizerGolden.Entries[index];
        Assert.Equal(category, e.Category);
        AssertField("sp_decoded", index, e.SpDecoded, Tok.DecodeSentencePiece(e.SpIds));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_Match_Hf_Tokens(int index, string category)
    {
        var e = TokenizerGolden.Entries[index];
        Assert.Equal(category, e.Category);
        AssertField("hf_tokens", index, e.HfTokens, Tok.Tokenize(e.Text));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_Match_Hf_Ids(int index, string category)
    {
        var e = TokenizerGolden.Entries[index];
        Assert.Equal(category, e.Category);
        AssertField("hf_ids", index, e.HfIds, Tok.Encode(e.Text));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_Match_Hf_Decode(int index, string category)
    {
        var e = TokenizerGolden.Entries[index];
        Assert.Equal(category, e.Category);
        AssertField("hf_decoded", index, e.HfDecoded, Tok.Decode(e.HfIds));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_Match_Hf_Decode_Skipping_Special_Tokens(int index, string category)
    {
        var e = TokenizerGolden.Entries[index];
        Assert.Equal(category, e.Category);
        AssertField("hf_decoded_skip_special", index, e.HfDecodedSkipSpecial, Tok.Decode(e.HfIds, skipSpecialTokens: true));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_Match_Hf_Ids_With_Legacy_False(int index, string category)
    {
        var e = TokenizerGolden.Entries[index];
        Assert.Equal(category, e.Category);
        AssertField("hf_ids_legacy_false", index, e.HfIdsLegacyFalse, TokenizerGolden.TokenizerLegacyFalse.Encode(e.Text));
    }

    [Fact]
    public void Should_Have_The_Golden_Vocabulary_Layout()
    {
        var meta = TokenizerGolden.Metadata;
        Assert.Equal(meta.SpPieceSize, Tok.SentencePieceSize);
        Assert.Equal(meta.ExtraIds, Tok.ExtraIds);
        Assert.Equal(meta.HfLenTokenizer, Tok.VocabSize);
        Assert.Equal(meta.PadId, Tok.PadId);
        Assert.Equal(meta.EosId, Tok.EosId);
        Assert.Equal(meta.UnkId, Tok.UnkId);
        Assert.NotEmpty(meta.ExtraIdExamples);
        foreach (var (token, id) in meta.ExtraIdExamples)
        {
            int n = int.Parse(token["<extra_id_".Length..^1]);
            Assert.Equal(id, Tok.SentinelId(n));
            Assert.Equal(id, Tok.ConvertTokenToId(token));
            Assert.Equal(token, Tok.ConvertIdToToken(id));
        }
    }

    [Fact]
    public void Should_Cover_Every_Golden_Entry_And_Category()
    {
        // The theories above run once per entry; this pins that the golden file was read completely.
        Assert.Equal(TokenizerGolden.Entries.Count, Entries().Count());
        Assert.True(TokenizerGolden.Entries.Count > 0);
        Assert.Empty(KnownDifferences);
    }
}
