using Mpt.Tokenization;
using Xunit;

namespace Mpt.Tests.Tokenization;

/// <summary>
/// Behaviour of the HF-emulation pieces that the golden strings do not reach: <c>single_word</c> added tokens,
/// Python's whitespace set, and decoding without the tokenization-space cleanup. Expectations follow the
/// transformers 4.40 code paths cited in each class.
/// </summary>
public sealed class TokenizerComponentTests
{
    [Fact]
    public void Should_Keep_A_Single_Word_Token_Only_Between_Spaces()
    {
        // tokenization_utils.py tokenize(): a single_word token glued to a word on its left or right becomes text.
        var splitter = new AddedTokenSplitter([new AddedToken("<w>", 5, SingleWord: true)]);

        Assert.Equal(["x ", "<w>", " y"], splitter.Split("x <w> y").Select(c => c.Text));
        Assert.NotNull(splitter.Split("x <w> y")[1].Token);
        Assert.Equal([("x<w>", false), (" y", false)], splitter.Split("x<w> y").Select(c => (c.Text, c.Token is not null)));
        Assert.Equal([("x ", false), ("<w>y", false)], splitter.Split("x <w>y").Select(c => (c.Text, c.Token is not null)));
    }

    [Fact]
    public void Should_Strip_Around_Sentinels_With_Pythons_Whitespace_Set()
    {
        // U+001C..U+001F are whitespace for Python's str.strip but not for char.IsWhiteSpace.
        var splitter = new AddedTokenSplitter([new AddedToken("<extra_id_0>", 9, LStrip: true, RStrip: true)]);

        var chunks = splitter.Split("a\u001c\t<extra_id_0>\u001f b");

        Assert.Equal(["a", "<extra_id_0>", "b"], chunks.Select(c => c.Text));
        Assert.False(char.IsWhiteSpace('\u001c'));
        Assert.True(PythonWhitespace.IsSpace('\u001c'));
    }

    [Fact]
    public void Should_Match_The_Longest_Added_Token_At_The_Leftmost_Position()
    {
        var splitter = new AddedTokenSplitter([new AddedToken("<a>", 1), new AddedToken("<a>>", 2), new AddedToken("b", 3)]);

        var chunks = splitter.Split("x<a>>b<a>");

        Assert.Equal([("x", 0), ("<a>>", 2), ("b", 3), ("<a>", 1)], chunks.Select(c => (c.Text, c.Token?.Id ?? 0)));
    }

    [Fact]
    public void Should_Decode_Without_The_Space_Cleanup_When_Asked()
    {
        var tok = TokenizerGolden.Tokenizer;
        // HF _decode applies clean_up_tokenization last, so for every golden entry the HF decoding is the cleanup of the
        // decoding without it (whatever strings the golden set holds).
        foreach (var entry in TokenizerGolden.Entries)
            Assert.Equal(entry.HfDecoded, TokenizationSpaceCleanup.Apply(tok.Decode(entry.HfIds, cleanUpTokenizationSpaces: false)));

        // A case the cleanup changes, built here: " ." stays without the cleanup and loses its space with it.
        int[] ids = tok.Encode("end .");
        string raw = tok.DecodeSentencePiece(tok.EncodeSentencePiece("end .")) + tok.EosToken;     // "end .</s>"
        Assert.Equal(raw, tok.Decode(ids, cleanUpTokenizationSpaces: false));
        Assert.Equal(raw.Replace(" .", ".", StringComparison.Ordinal), tok.Decode(ids, cleanUpTokenizationSpaces: true));
        Assert.NotEqual(tok.Decode(ids, cleanUpTokenizationSpaces: false), tok.Decode(ids, cleanUpTokenizationSpaces: true));
    }

    // Reference: Python sentencepiece 0.1.97 decode(pieces) on the golden spiece.model, as loaded and with
    // add_dummy_prefix = False (the same results for both). Every leading "▁" goes while nothing has been written.
    [Theory]
    [InlineData("▁a|▁b", "a b")]
    [InlineData("▁|▁a|▁b", "a b")]
    [InlineData("|▁a", "a")]
    [InlineData("<unk>|▁a", " \u2047  a")]
    [InlineData("</s>|▁a", "a")]
    [InlineData("</s>|▁|▁a", "a")]
    [InlineData("a|▁b", "a b")]
    [InlineData("▁|a", "a")]
    public void Should_Decode_Piece_Lists_As_Sentencepiece(string pieces, string expected)
    {
        expected = System.Text.RegularExpressions.Regex.Unescape(expected);
        var sp = TokenizerGolden.Tokenizer.SentencePiece;
        string[] list = pieces.Split('|');

        Assert.Equal(expected, sp.DecodePieces(list));
        Assert.Equal(expected, sp.WithAddDummyPrefix(false).DecodePieces(list));
    }

    [Fact]
    public void Should_Encode_Without_Dummy_Prefix_As_Sentencepiece()
    {
        // Reference: sentencepiece 0.1.97 with add_dummy_prefix = False (HF legacy=False's processor).
        var sp = TokenizerGolden.Tokenizer.SentencePiece.WithAddDummyPrefix(false);

        Assert.Equal(["H", "e", "l", "lo"], sp.EncodePieces("Hello"));
        Assert.Equal(["<", "u", "n", "k", ">", "▁", "H", "e", "l", "lo"], sp.EncodePieces("<unk> Hello"));
    }

    [Theory]
    [InlineData("Hello , world . It 's fine ! Is n't it ?", "Hello, world. It's fine! Isn't it?")]
    [InlineData("I 'm sure they 're sure we 've", "I'm sure they're sure we've")]
    [InlineData("a ' b", "a'b")]
    public void Should_Clean_Up_Tokenization_Spaces_As_Hf(string text, string expected)
    {
        Assert.Equal(expected, TokenizationSpaceCleanup.Apply(text));
    }
}
