using Mpt.Backbones;
using Mpt.Pipeline;
using Mpt.Tests.Encoder;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>The one backbone dispatch: what model.path holds decides the kind; anything unsupported is one line naming it.</summary>
public sealed class RunBackbonesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-backbones-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Folder(string name, string configJson)
    {
        string folder = Path.Combine(_dir, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), configJson);
        return folder;
    }

    private static ConfigException Refused(string path, string key = "model.path") =>
        Assert.Throws<ConfigException>(() => RunBackbones.Load(new ModelConfig { Path = path }, new EvaluateConfig(), key));

    [Fact]
    public void Should_Name_The_Model_Type_Found_And_What_Is_Supported()
    {
        var e = Refused(Folder("gpt", """{"model_type": "gpt2"}"""));
        Assert.Contains("'gpt2'", e.Message);
        Assert.Contains("minilm", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Should_Recognise_A_Bert_Folder()
    {
        // A BERT folder saved from a masked-LM head: the head tensor is ignored and said so, once, through the log.
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer();
        using (var model = TinyBertFolder.RandomModel())
        {
            var weights = TinyBertFolder.StateDict(model);
            weights["cls.predictions.bias"] = torch.zeros(TinyBertFolder.Config.VocabSize);
            folder.WriteSafetensors(weights);
        }
        var log = new List<string>();

        using var backbone = RunBackbones.Load(new ModelConfig { Path = folder.Path }, new EvaluateConfig(), log: log.Add);

        var encoder = Assert.IsType<EncoderRunBackbone>(backbone);
        Assert.Equal(folder.Path, encoder.Name);
        Assert.Equal(TinyBertFolder.Config.HiddenSize, encoder.Model.Config.HiddenSize);
        // The vocabulary init starts at the folder's first whole word, not at MiniLM's 1996 (past this vocabulary's end).
        Assert.Equal(Array.IndexOf(TinyBertFolder.Vocabulary, "the"), encoder.Options.VocabularyInitFirstId);
        var line = Assert.Single(log);
        Assert.Contains("cls.predictions.bias", line);
        Assert.True(RunBackbones.IsEncoder(folder.Path));
    }

    [Fact]
    public void Should_Name_The_Key_When_A_Bert_Folder_Has_No_Weights()
    {
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer();

        var e = Refused(folder.Path, "--model");

        Assert.StartsWith($"--model '{folder.Path}'", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Should_Refuse_A_Folder_Without_A_Model_Type_In_One_Line()
    {
        var e = Refused(Folder("untyped", """{"d_model": 8}"""));
        Assert.Contains("model_type", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Should_Name_The_Flag_Of_A_Missing_Path()
    {
        var e = Refused(Path.Combine(_dir, "nowhere"), "--model");
        Assert.StartsWith("--model '", e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Should_Refuse_T5_Only_Settings_On_The_Embedded_Encoder()
    {
        var e = Assert.Throws<ConfigException>(() => RunBackbones.Load(new ModelConfig { Path = "minilm", Dtype = "bfloat16" }, new EvaluateConfig()));
        Assert.Contains("model.dtype", e.Message);
    }
}
