using Mpt.Checkpoints;
using Mpt.Model;
using Mpt.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Model;

/// <summary>Strict checkpoint loading: HF ties and aliases, and one error that lists every problem.</summary>
public sealed class T5LoadingTests
{
    public static TheoryData<string> Models() => T5GoldenModel.Names();

    private static (T5Config Config, Dictionary<string, Tensor> Checkpoint) Read(string name)
    {
        string folder = GoldenRoot.Combine("models", name);
        return (T5Config.FromJsonFile(Path.Combine(folder, "config.json")), SafetensorsFile.Read(Path.Combine(folder, "model.safetensors")));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Report_Missing_Unexpected_And_Mis_Shaped_Keys_Together(string name)
    {
        // Given: one key removed, one foreign key added, one tensor with a row too few
        using var scope = torch.NewDisposeScope();
        var (config, checkpoint) = Read(name);
        using var model = new T5ForConditionalGeneration(config);
        const string removed = "encoder.final_layer_norm.weight";
        const string truncated = "decoder.block.0.layer.1.EncDecAttention.o.weight";
        checkpoint.Remove(removed);
        checkpoint["encoder.block.0.layer.0.SelfAttention.foo.weight"] = torch.zeros(2);
        long[] modelShape = config.ExpectedStateDictShapes()[truncated];
        checkpoint[truncated] = checkpoint[truncated].narrow(0, 0, modelShape[0] - 1);

        // When
        var e = Assert.Throws<InvalidDataException>(() => model.LoadStateDict(checkpoint));

        // Then
        Assert.Contains($"missing: [{removed}]", e.Message);
        Assert.Contains("unexpected: [encoder.block.0.layer.0.SelfAttention.foo.weight]", e.Message);
        Assert.Contains($"mis-shaped: [{truncated}: checkpoint [{modelShape[0] - 1},{modelShape[1]}] vs model [{modelShape[0]},{modelShape[1]}]]", e.Message);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Accept_Embed_Tokens_Aliases_And_A_Redundant_Tied_Lm_Head(string name)
    {
        // Given: shared.weight stored only under HF's alias (as in some older checkpoints)
        using var scope = torch.NewDisposeScope();
        var (config, checkpoint) = Read(name);
        var shared = checkpoint["shared.weight"];
        checkpoint.Remove("shared.weight");
        checkpoint["encoder.embed_tokens.weight"] = shared;
        checkpoint["decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight"] = torch.zeros(config.RelativeAttentionNumBuckets, config.NumHeads);
        if (config.TieWordEmbeddings) checkpoint["lm_head.weight"] = torch.zeros_like(shared); // HF re-ties it to shared
        using var model = new T5ForConditionalGeneration(config);

        // When
        model.LoadStateDict(checkpoint);

        // Then
        Assert.True(model.SharedWeight.equal(shared).all().item<bool>());
    }

    [Fact]
    public void Should_Load_Into_Another_Dtype_By_Converting()
    {
        using var scope = torch.NewDisposeScope();
        var (config, checkpoint) = Read(GoldenRoot.ModelNames()[0]);
        using var model = new T5ForConditionalGeneration(config);
        model.to(ScalarType.BFloat16);

        model.LoadStateDict(checkpoint);

        Assert.Equal(ScalarType.BFloat16, model.SharedWeight.dtype);
        Assert.True(model.SharedWeight.to(ScalarType.Float32).allclose(checkpoint["shared.weight"], rtol: 1e-2, atol: 1e-2));
    }

    [Fact]
    public void Should_Fail_Clearly_When_The_Weights_File_Is_Missing()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"mpt-t5-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            File.Copy(GoldenRoot.Combine("models", GoldenRoot.ModelNames()[0], "config.json"), Path.Combine(dir, "config.json"));
            var e = Assert.Throws<FileNotFoundException>(() => T5ForConditionalGeneration.FromPretrained(dir));
            Assert.Contains(dir, e.Message);
            Assert.Contains("no model weights found", e.Message);
            Assert.Contains("model.safetensors", e.Message);

            File.Delete(Path.Combine(dir, "config.json"));
            var noConfig = Assert.Throws<FileNotFoundException>(() => T5ForConditionalGeneration.FromPretrained(dir));
            Assert.Contains(Path.Combine(dir, "config.json"), noConfig.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
