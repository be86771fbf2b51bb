using Mpt.Encoder;
using Mpt.Peft;
using Xunit;

namespace Mpt.Tests.Peft;

/// <summary>
/// Prompts for a BERT encoder record their model like T5 prompts do: the architecture says <c>bert</c>, round-trips
/// through <c>mpt_model.json</c>, and a T5 record stays exactly as before (no model_type key).
/// </summary>
public sealed class EncoderArchitectureRecordTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-arch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly ModelArchitecture T5Small = new(512, 6, 6, 8, 64, 2048, 32128, "relu", true);

    [Fact]
    public void Should_Round_Trip_A_Bert_Architecture_Through_The_Sidecar()
    {
        var arch = ModelArchitecture.From(BertConfig.AllMiniLmL6V2);
        var fingerprint = new ModelFingerprint(arch, new string('a', 64), ModelFingerprint.CurrentMethod);
        PromptModelFile.Write(_dir, fingerprint);

        Assert.Contains("\"model_type\": \"bert\"", File.ReadAllText(Path.Combine(_dir, PromptModelFile.FileName)));
        var read = PromptModelFile.Read(_dir)!;
        Assert.Equal(fingerprint, read);
        Assert.Equal(ModelArchitecture.BertType, read.Architecture.ModelType);
        Assert.Equal(384, read.Architecture.DModel);
        Assert.Equal(PeftAdapterConfig.FeatureExtractionTaskType, read.Architecture.PeftTaskType);
        Assert.StartsWith("bert d_model=384 ", read.Architecture.ToString());
    }

    [Fact]
    public void Should_Write_A_T5_Record_Without_A_Model_Type_And_Read_It_As_T5()
    {
        PromptModelFile.Write(_dir, new ModelFingerprint(T5Small, new string('b', 64), ModelFingerprint.CurrentMethod));

        Assert.DoesNotContain("model_type", File.ReadAllText(Path.Combine(_dir, PromptModelFile.FileName)));
        Assert.Equal(ModelArchitecture.T5Type, PromptModelFile.Read(_dir)!.Architecture.ModelType);
        Assert.StartsWith("d_model=512 ", T5Small.ToString());
    }

    [Fact]
    public void Should_Refuse_A_Bert_Prompt_On_A_T5_Of_The_Same_Width()
    {
        var bert = new ModelFingerprint(ModelArchitecture.From(BertConfig.AllMiniLmL6V2 with { HiddenSize = 512, NumHeads = 8 }), new string('c', 64), ModelFingerprint.CurrentMethod);
        var t5 = new ModelFingerprint(T5Small, new string('c', 64), ModelFingerprint.CurrentMethod);

        var e = Assert.Throws<ModelMismatchException>(() => ModelFingerprint.EnsureSameModel(bert, t5, "prompt", allowMismatch: false));
        Assert.Contains("architecture", e.Message);
    }
}
