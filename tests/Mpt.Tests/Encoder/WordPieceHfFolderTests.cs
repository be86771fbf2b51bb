using Mpt.Encoder;
using Xunit;

namespace Mpt.Tests.Encoder;

/// <summary>
/// The WordPiece tokenizer of a Hugging Face folder (<see cref="WordPieceTokenizer.FromHfFolder"/>) on the tiny
/// vocabulary of <see cref="TinyBertFolder"/>: settings and special-token ids come from the folder's files, and the
/// slow BertTokenizer's rules hold (expected tokens worked out by hand from those rules).
/// </summary>
public sealed class WordPieceHfFolderTests
{
    private static List<string> Tokens(WordPieceTokenizer tokenizer, string text, string? pair = null) =>
        tokenizer.Encode(text, pair, int.MaxValue).InputIds.Select(tokenizer.TokenOf).ToList();

    [Fact]
    public void Should_Read_Special_Token_Ids_From_The_Vocabulary()
    {
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer();

        var tokenizer = WordPieceTokenizer.FromHfFolder(folder.Path);

        var line = TinyBertFolder.Vocabulary.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => (long)x.i);
        Assert.Equal(line["[PAD]"], tokenizer.PadTokenId);
        Assert.Equal(line["[UNK]"], tokenizer.UnkTokenId);
        Assert.Equal(line["[CLS]"], tokenizer.ClsTokenId);
        Assert.Equal(line["[SEP]"], tokenizer.SepTokenId);
        Assert.Equal(line["[MASK]"], tokenizer.MaskTokenId);
        Assert.Equal(TinyBertFolder.Vocabulary.Length, tokenizer.VocabularySize);
        Assert.Equal(TinyBertFolder.Config.MaxPositions, tokenizer.Settings.ModelMaxLength);
    }

    [Fact]
    public void Should_Follow_The_Slow_BertTokenizer_Rules()
    {
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer();
        var tokenizer = WordPieceTokenizer.FromHfFolder(folder.Path);

        // lower-cased; [MASK] in exact case is one token, "[mask]" is text; punctuation split off
        Assert.Equal(["[CLS]", "the", "cat", "[MASK]", "[UNK]", "[UNK]", "[UNK]", "un", "##like", "##ly", "!", "[SEP]"],
            Tokens(tokenizer, "The CAT [MASK] [mask] unlikely!"));
        // ASCII symbols count as punctuation ($ is a Unicode symbol, HF splits it off anyway)
        Assert.Equal(["[CLS]", "$", "5", "[SEP]"], Tokens(tokenizer, "$5"));
        // a word with any unmatched position is one [UNK], even when a prefix matched ("cat" + "##s")
        Assert.Equal(["[CLS]", "[UNK]", "[SEP]"], Tokens(tokenizer, "cats"));
        // accents stripped with lower-casing (strip_accents null), so "cát" is "cat"
        Assert.Equal(["[CLS]", "cat", "[SEP]"], Tokens(tokenizer, "C\u00e1t"));
        // words of more than 100 characters are [UNK]; 100 are split into pieces
        Assert.Equal(["[CLS]", "a", .. Enumerable.Repeat("##a", 99), "[SEP]"], Tokens(tokenizer, new string('a', 100)));
        Assert.Equal(["[CLS]", "[UNK]", "[SEP]"], Tokens(tokenizer, new string('a', 101)));
        // control characters vanish, every whitespace separates, NUL is dropped
        Assert.Equal(["[CLS]", "the", "cat", "sat", "on", "[SEP]"], Tokens(tokenizer, "the\u0007\tc\0at\u00a0sat\u2028on"));
        // pairs: [CLS] a [SEP] b [SEP]
        Assert.Equal(["[CLS]", "a", "dog", "[SEP]", "the", "mat", "[SEP]"], Tokens(tokenizer, "a dog", "the mat"));
    }

    [Fact]
    public void Should_Keep_Case_When_The_Folder_Says_Do_Lower_Case_False()
    {
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer(editTokenizer: t => t["do_lower_case"] = false);

        var tokenizer = WordPieceTokenizer.FromHfFolder(folder.Path);

        Assert.False(tokenizer.Settings.DoLowerCase);
        Assert.Equal(["[CLS]", "[UNK]", "cat", "[UNK]", "[SEP]"], Tokens(tokenizer, "The cat c\u00e1t"));
    }

    [Fact]
    public void Should_Compose_Decomposed_Text_Before_Looking_Up_A_Cased_Vocabulary()
    {
        // HF NFC-normalises the text; without it "cafe" + COMBINING ACUTE would not find "café" when accents are kept.
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer(vocabulary: [.. TinyBertFolder.Vocabulary, "caf\u00e9"],
            editTokenizer: t => t["do_lower_case"] = false);

        var tokenizer = WordPieceTokenizer.FromHfFolder(folder.Path);

        Assert.Equal(["[CLS]", "caf\u00e9", "caf\u00e9", "[SEP]"], Tokens(tokenizer, "cafe\u0301 caf\u00e9"));
    }

    [Fact]
    public void Should_Take_Special_Tokens_From_Special_Tokens_Map_Json()
    {
        var vocabulary = TinyBertFolder.Vocabulary.Select(t => t == "[CLS]" ? "<cls>" : t).ToArray();
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer(vocabulary: vocabulary);
        File.WriteAllText(folder.File("special_tokens_map.json"), """{"cls_token": {"content": "<cls>", "lstrip": false}}""");

        var tokenizer = WordPieceTokenizer.FromHfFolder(folder.Path);

        Assert.Equal(Array.IndexOf(vocabulary, "<cls>"), tokenizer.ClsTokenId);
        Assert.Equal(["<cls>", "cat", "[SEP]"], Tokens(tokenizer, "cat"));
    }

    [Fact]
    public void Should_Refuse_Added_Tokens_Outside_The_Vocabulary_And_Other_Tokenizer_Classes()
    {
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer(editTokenizer: t =>
            t["added_tokens_decoder"] = new Dictionary<string, object> { ["30"] = new { content = "<new>", special = true } });
        var added = Assert.Throws<InvalidDataException>(() => WordPieceTokenizer.FromHfFolder(folder.Path));
        Assert.StartsWith($"{folder.File("tokenizer_config.json")} (added_tokens_decoder) or added_tokens.json: added token '<new>' has id 30", added.Message);

        folder.WriteConfigAndTokenizer(editTokenizer: t => t["tokenizer_class"] = "RobertaTokenizer");
        var other = Assert.Throws<InvalidDataException>(() => WordPieceTokenizer.FromHfFolder(folder.Path));
        Assert.Equal($"{folder.File("tokenizer_config.json")}: tokenizer_class 'RobertaTokenizer' is not a BERT WordPiece tokenizer (expected BertTokenizer or BertTokenizerFast).", other.Message);
    }
}
