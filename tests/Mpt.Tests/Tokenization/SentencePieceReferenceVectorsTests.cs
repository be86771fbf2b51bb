using System.Text.Json;
using System.Text.Json.Serialization;
using Mpt.Tests.Infrastructure;
using Mpt.Tokenization;
using Xunit;

namespace Mpt.Tests.Tokenization;

/// <summary>
/// 2,690 extra reference vectors from Python sentencepiece 0.1.97 (Data/make_sentencepiece_vectors.py) over a copy of
/// the golden spiece.model kept in Data/: runs of one character (equal-score ties, where Microsoft.ML.Tokenizers
/// differs), random piece concatenations, whitespace/control/NFKC/unknown mixes and random BMP text. Ids, pieces and
/// decoded text must all be exact.
/// </summary>
public sealed class SentencePieceReferenceVectorsTests
{
    private sealed record Vector(
        [property: JsonPropertyName("text")] string Text,
        [property: JsonPropertyName("ids")] int[] Ids,
        [property: JsonPropertyName("pieces")] string[] Pieces,
        [property: JsonPropertyName("decoded")] string Decoded);

    private sealed record VectorFile([property: JsonPropertyName("vectors")] Vector[] Vectors);

    private static string DataPath(string name) =>
        Path.Combine(GoldenRoot.RepositoryRoot(), "tests", "Mpt.Tests", "Tokenization", "Data", name);

    private static readonly Lazy<Vector[]> Vectors = new(() =>
        JsonSerializer.Deserialize<VectorFile>(File.ReadAllBytes(DataPath("sentencepiece_vectors.json")))?.Vectors
        ?? throw new InvalidDataException("sentencepiece_vectors.json is empty."));

    private static readonly Lazy<SentencePieceProcessor> Processor = new(() => SentencePieceProcessor.Load(DataPath("spiece.model")));

    public static TheoryData<int> Cases()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Vectors.Value.Length; i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Should_Equal_Sentencepiece_0_1_97(int index)
    {
        var v = Vectors.Value[index];

        var (ids, pieces) = Processor.Value.Encode(v.Text);

        Assert.Equal(v.Ids, ids);
        Assert.Equal(v.Pieces, pieces);
        Assert.Equal(v.Decoded, Processor.Value.DecodeIds(v.Ids));
    }

    [Fact]
    public void Should_Have_Read_All_Vectors()
    {
        Assert.Equal(2690, Vectors.Value.Length);
    }
}
