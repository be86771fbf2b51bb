using Mpt.Encoder;
using Xunit;

namespace Mpt.Tests.Encoder;

/// <summary>
/// WordPiece tokenization of the MiniLM vocab.txt as the uncased HF BertTokenizer does it. Expected ids are looked
/// up in vocab.txt (id = line number) from the tokens HF's basic + WordPiece rules produce.
/// </summary>
[Collection(MiniLMCollection.Name)]
public sealed class WordPieceTokenizerTests(MiniLMFixture fixture)
{
    private long[] Ids(params string[] tokens) => [.. tokens.Select(fixture.IdOf)];

    [Fact]
    public void SpecialTokenIdsComeFromTheVocabulary()
    {
        var tokenizer = fixture.Tokenizer;
        Assert.Equal(fixture.IdOf("[PAD]"), tokenizer.PadTokenId);
        Assert.Equal(fixture.IdOf("[CLS]"), tokenizer.ClsTokenId);
        Assert.Equal(fixture.IdOf("[SEP]"), tokenizer.SepTokenId);
        Assert.Equal(fixture.Vocabulary.Length, tokenizer.VocabularySize);
    }

    [Fact]
    public void FirstWholeWordIsWhereTheDefaultVocabularyInitStarts()
    {
        Assert.Equal(new EncoderPromptOptions().VocabularyInitFirstId, fixture.Tokenizer.FirstWordId);
        Assert.Equal("the", fixture.Vocabulary[fixture.Tokenizer.FirstWordId]);
    }

    [Fact]
    public void SingleTextIsLowerCasedSplitOnPunctuationAndWrapped()
    {
        var encoded = fixture.Tokenizer.Encode("Hello, WORLD!");
        Assert.Equal(Ids("[CLS]", "hello", ",", "world", "!", "[SEP]"), encoded.InputIds);
        Assert.All(encoded.TokenTypeIds, t => Assert.Equal(0L, t));
    }

    [Fact]
    public void AccentsAreStrippedLikeUncasedBert()
    {
        Assert.Equal(fixture.Tokenizer.Encode("cafe resume").InputIds, fixture.Tokenizer.Encode("Café Résumé").InputIds);
    }

    [Fact]
    public void AccentStrippingDecomposesLikeUnicodeNfd()
    {
        Assert.Equal("Cafe naive resume", AccentStripper.Strip("Café naïve résumé"));
        Assert.Equal("plain ascii [CLS]", AccentStripper.Strip("plain ascii [CLS]"));
        Assert.Equal("e", AccentStripper.Strip("e\u0301"));               // a combining mark in the input is dropped
        Assert.Equal("\u1112\u1161\u11AB", AccentStripper.Strip("\uD55C")); // Unicode §3.12 example: 한 → ᄒ ᅡ ᆫ
        Assert.Equal("\u8ECA", AccentStripper.Strip("\uF902"));          // CJK compatibility ideograph 車 → unified 車
    }

    [Fact]
    public void AsciiSymbolsAndUnderscoresAreSplitOffLikeHuggingFace()
    {
        // HF's _is_punctuation counts every ASCII non-alphanumeric as punctuation. The earlier Microsoft.ML.Tokenizers
        // based tokenizer dropped $ < > + = ^ ` | ~ and glued _ into word pieces.
        var tokens = fixture.Tokenizer.Tokenize("$5 <b> a_b x+y=z ^ ` | ~").Select(id => fixture.Vocabulary[id]).ToList();
        Assert.Equal(["$", "5", "<", "b", ">", "a", "_", "b", "x", "+", "y", "=", "z", "^", "`", "|", "~"], tokens);
    }

    [Fact]
    public void UnknownWordsSplitIntoGreedyLongestWordPieces()
    {
        var pieces = fixture.Tokenizer.Tokenize("unaffable").Select(id => fixture.Vocabulary[id]).ToList();
        Assert.True(pieces.Count > 1, string.Join(" ", pieces));
        Assert.DoesNotContain("[UNK]", pieces);
        Assert.False(pieces[0].StartsWith("##"));
        Assert.All(pieces.Skip(1), p => Assert.StartsWith("##", p));
        Assert.Equal("unaffable", string.Concat(pieces.Select(p => p.Replace("##", ""))));
        // Greedy longest-match-first: the first piece is the longest vocabulary prefix of the word.
        string longestPrefix = Enumerable.Range(1, 9).Select(n => "unaffable"[..n]).Last(p => fixture.Vocabulary.Contains(p));
        Assert.Equal(longestPrefix, pieces[0]);
    }

    [Fact]
    public void PairsAreJoinedWithSeparatorsAndTokenTypes()
    {
        var encoded = fixture.Tokenizer.Encode("the bank", "a river");
        Assert.Equal(Ids("[CLS]", "the", "bank", "[SEP]", "a", "river", "[SEP]"), encoded.InputIds);
        Assert.Equal([0L, 0, 0, 0, 1, 1, 1], encoded.TokenTypeIds);
    }

    [Fact]
    public void TruncationCutsTheLongerTextFirst()
    {
        string ten = "one two three four five six seven eight nine ten";
        // Budget 10 - 3 specials = 7: the first text (10 words) is cut to 4, the second (3 words) kept.
        var encoded = fixture.Tokenizer.Encode(ten, "red green blue", maxLength: 10);
        Assert.Equal(Ids("[CLS]", "one", "two", "three", "four", "[SEP]", "red", "green", "blue", "[SEP]"), encoded.InputIds);

        // Equal lengths: HF removes from the second text on ties, so 5 + 5 → 3 + 3 for a budget of 6.
        encoded = fixture.Tokenizer.Encode("one two three four five", "six seven eight nine ten", maxLength: 9);
        Assert.Equal(Ids("[CLS]", "one", "two", "three", "[SEP]", "six", "seven", "eight", "[SEP]"), encoded.InputIds);
        Assert.Equal([0L, 0, 0, 0, 0, 1, 1, 1, 1], encoded.TokenTypeIds);

        encoded = fixture.Tokenizer.Encode(ten, maxLength: 4);
        Assert.Equal(Ids("[CLS]", "one", "two", "[SEP]"), encoded.InputIds);
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Tokenizer.Encode("a", "b", maxLength: 2));
    }

    [Fact]
    public void BatchesArePaddedOnTheRight()
    {
        var tokenizer = fixture.Tokenizer;
        var batch = EncoderBatch.Pad([tokenizer.Encode("hello"), tokenizer.Encode("a", "b c")], tokenizer.PadTokenId);
        Assert.Equal(2, batch.BatchSize);
        Assert.Equal(6, batch.SequenceLength);
        Assert.Equal([.. Ids("[CLS]", "hello", "[SEP]"), tokenizer.PadTokenId, tokenizer.PadTokenId, tokenizer.PadTokenId], batch.InputIds[..6]);
        Assert.Equal([1L, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1], batch.AttentionMask);
        Assert.Equal([0L, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1], batch.TokenTypeIds);
    }
}
