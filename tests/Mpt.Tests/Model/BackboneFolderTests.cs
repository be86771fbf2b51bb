using Mpt.Model;
using Mpt.Tests.Encoder;
using Mpt.Tests.Infrastructure;
using Xunit;

namespace Mpt.Tests.Model;

/// <summary>
/// <see cref="BackboneFolder.Detect"/>: the keyword, T5 and BERT folders by config.json model_type, and one-line
/// messages for everything else.
/// </summary>
public sealed class BackboneFolderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"mpt-backbone-{Guid.NewGuid():N}");

    public BackboneFolderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string FolderWithConfig(string? configJson)
    {
        string folder = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        if (configJson is not null) File.WriteAllText(Path.Combine(folder, "config.json"), configJson);
        return folder;
    }

    public static TheoryData<string> T5Folders() => new(GoldenRoot.ModelNames().Select(n => GoldenRoot.Combine("models", n)));

    public static TheoryData<string> BertFolders() => new(BertGoldenFolders.Names().Select(BertGoldenFolders.Folder));

    [Theory]
    [InlineData("minilm")]
    [InlineData("MiniLM")]
    [InlineData(" MINILM ")]
    public void Should_Read_The_Keyword_As_The_Embedded_MiniLM(string path)
    {
        Assert.Equal(new BackboneFolder(BackboneKind.MiniLM, "minilm"), BackboneFolder.Detect(path));
    }

    [Theory]
    [MemberData(nameof(T5Folders))]
    public void Should_Detect_T5_Folders(string folder)
    {
        Assert.Equal(new BackboneFolder(BackboneKind.T5, folder), BackboneFolder.Detect(folder));
    }

    [Fact]
    public void Should_Detect_An_MT5_Config_As_T5()
    {
        string folder = FolderWithConfig("""{"model_type": "mt5", "d_model": 8}""");
        Assert.Equal(BackboneKind.T5, BackboneFolder.Detect(folder).Kind);
    }

    [Theory]
    [MemberData(nameof(BertFolders))]
    public void Should_Detect_Bert_Folders(string folder)
    {
        Assert.Equal(new BackboneFolder(BackboneKind.Bert, folder), BackboneFolder.Detect(folder));
    }

    [Fact]
    public void Should_Name_An_Unsupported_Model_Type_And_What_Is_Supported()
    {
        string folder = FolderWithConfig("""{"model_type": "roberta"}""");

        var error = Assert.Throws<InvalidDataException>(() => BackboneFolder.Detect(folder));

        Assert.Equal($"{Path.Combine(folder, "config.json")}: model_type 'roberta' is not supported; {BackboneFolder.Supported}.", error.Message);
        Assert.Contains("'minilm'", error.Message);
        Assert.Contains("model_type t5 or mt5", error.Message);
        Assert.Contains("model_type bert", error.Message);
    }

    [Theory]
    [InlineData(null, "no config.json, so the model kind is unknown")]
    [InlineData("""{"d_model": 8}""", "no model_type key, so the model kind is unknown")]
    [InlineData("""{"model_type": 5}""", "model_type must be a string, found Number")]
    [InlineData("""{"model_type": "bert",""", "not valid JSON")]
    public void Should_Say_What_Was_Found_In_One_Line(string? config, string expected)
    {
        string folder = FolderWithConfig(config);

        var error = Assert.Throws<InvalidDataException>(() => BackboneFolder.Detect(folder));

        Assert.Contains(expected, error.Message);
        Assert.Contains(folder, error.Message);
        Assert.EndsWith($"{BackboneFolder.Supported}.", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Should_Say_When_The_Path_Is_Missing_Or_A_File()
    {
        string missing = Path.Combine(_dir, "nothing-here");
        var notFound = Assert.Throws<DirectoryNotFoundException>(() => BackboneFolder.Detect(missing));
        Assert.Equal($"{missing}: no such model folder; {BackboneFolder.Supported}.", notFound.Message);

        string file = Path.Combine(_dir, "model.safetensors");
        File.WriteAllText(file, "");
        var isFile = Assert.Throws<DirectoryNotFoundException>(() => BackboneFolder.Detect(file));
        Assert.Equal($"{file}: is a file, not a model folder; {BackboneFolder.Supported}.", isFile.Message);
    }
}
