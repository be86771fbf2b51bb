using Mpt.Tokenization;
using Xunit;

namespace Mpt.Tests.Tokenization;

/// <summary>Loading HF tokenizer folders (full or spiece.model only) and the errors for missing or corrupt files.</summary>
public sealed class T5TokenizerLoadingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"mpt-tok-{Guid.NewGuid():N}");

    public T5TokenizerLoadingTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string GoldenModel => Path.Combine(TokenizerGolden.FolderPath, "spiece.model");

    [Fact]
    public void Should_Load_A_Folder_With_Only_Spiece_Model_Using_Hf_Defaults()
    {
        // Given: only spiece.model (no tokenizer_config.json → extra_ids 100, legacy true, sentinels lstrip/rstrip)
        File.Copy(GoldenModel, Path.Combine(_dir, "spiece.model"));

        // When
        var bare = T5Tokenizer.FromFolder(_dir);
        var full = TokenizerGolden.Tokenizer;

        // Then: the same tokenizer as the full golden folder on every golden string
        Assert.Equal(100, bare.ExtraIds);
        Assert.Equal(full.VocabSize, bare.VocabSize);
        Assert.True(bare.Legacy);
        foreach (var e in TokenizerGolden.Entries)
        {
            Assert.Equal(e.HfIds, bare.Encode(e.Text));
            Assert.Equal(e.HfDecoded, bare.Decode(e.HfIds));
        }
    }

    [Fact]
    public void Should_Load_From_A_Bare_Model_File_With_Other_Extra_Ids()
    {
        var tok = T5Tokenizer.FromSentencePieceModel(GoldenModel, extraIds: 10);

        Assert.Equal(10, tok.ExtraIds);
        Assert.Equal(tok.SentencePieceSize + 10, tok.VocabSize);
        Assert.Equal(tok.VocabSize - 1, tok.SentinelId(0));
        Assert.Equal([tok.SentinelId(9), tok.EosId], tok.Encode("<extra_id_9>"));
        // <extra_id_10> does not exist with 10 sentinels: it is plain text for SentencePiece.
        Assert.Equal(tok.EncodeSentencePiece("<extra_id_10>"), tok.Encode("<extra_id_10>", addEos: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.SentinelId(10));
    }

    [Fact]
    public void Should_Name_The_Missing_Folder()
    {
        string missing = Path.Combine(_dir, "nope");
        var error = Assert.Throws<DirectoryNotFoundException>(() => T5Tokenizer.FromFolder(missing));
        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void Should_Name_The_Missing_Spiece_Model()
    {
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), "{}");
        var error = Assert.Throws<FileNotFoundException>(() => T5Tokenizer.FromFolder(_dir));
        Assert.Contains("spiece.model", error.Message);
        Assert.Contains(_dir, error.Message);
    }

    [Fact]
    public void Should_Name_A_Missing_Model_File()
    {
        string path = Path.Combine(_dir, "absent.model");
        var error = Assert.Throws<FileNotFoundException>(() => T5Tokenizer.FromSentencePieceModel(path));
        Assert.Contains(path, error.Message);
    }

    public static TheoryData<string> CorruptModels() => new() { "empty", "text", "truncated", "bad-varint" };

    [Theory]
    [MemberData(nameof(CorruptModels))]
    public void Should_Name_A_Corrupt_Spiece_Model(string kind)
    {
        // Given
        byte[] good = File.ReadAllBytes(GoldenModel);
        byte[] bytes = kind switch
        {
            "empty" => [],
            "text" => "this is not a sentencepiece model\n"u8.ToArray(),
            "truncated" => good[..(good.Length / 2)],
            "bad-varint" => Enumerable.Repeat((byte)0xFF, 16).ToArray(),
            _ => throw new ArgumentException(kind),
        };
        string path = Path.Combine(_dir, "spiece.model");
        File.WriteAllBytes(path, bytes);

        // When
        var error = Assert.Throws<InvalidDataException>(() => T5Tokenizer.FromFolder(_dir));

        // Then
        Assert.Contains(path, error.Message);
        Assert.Contains("SentencePiece model", error.Message);
    }

    [Fact]
    public void Should_Name_A_Corrupt_Tokenizer_Config()
    {
        File.Copy(GoldenModel, Path.Combine(_dir, "spiece.model"));
        string config = Path.Combine(_dir, "tokenizer_config.json");
        File.WriteAllText(config, "{ \"extra_ids\": \"many\" ");

        var error = Assert.Throws<InvalidDataException>(() => T5Tokenizer.FromFolder(_dir));

        Assert.Contains(config, error.Message);
    }

    [Fact]
    public void Should_Reject_An_Added_Tokens_File_That_Disagrees()
    {
        File.Copy(GoldenModel, Path.Combine(_dir, "spiece.model"));
        string added = Path.Combine(_dir, "added_tokens.json");
        File.WriteAllText(added, "{\"<extra_id_0>\": 1000}");

        var error = Assert.Throws<InvalidDataException>(() => T5Tokenizer.FromFolder(_dir));

        Assert.Contains(added, error.Message);
        Assert.Contains("<extra_id_0>", error.Message);
    }

    [Fact]
    public void Should_Honour_Legacy_False_From_The_Config()
    {
        foreach (string f in Directory.GetFiles(TokenizerGolden.FolderPath)) File.Copy(f, Path.Combine(_dir, Path.GetFileName(f)));
        string config = Path.Combine(_dir, "tokenizer_config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"legacy\": true", "\"legacy\": false"));

        var tok = T5Tokenizer.FromFolder(_dir);

        Assert.False(tok.Legacy);
        foreach (var e in TokenizerGolden.Entries) Assert.Equal(e.HfIdsLegacyFalse, tok.Encode(e.Text));
    }

    [Fact]
    public void Should_Reject_Ids_Outside_The_Vocabulary()
    {
        var tok = TokenizerGolden.Tokenizer;
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.Decode([5, tok.VocabSize]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.Decode([-1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.DecodeSentencePiece([tok.SentinelId(0)]));
    }
}
