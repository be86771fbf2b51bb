using Mpt.Backbones;
using Mpt.Pipeline;
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
        // The BERT folder loader is plugged in here when it lands; until then the folder is recognised and refused.
        var e = Refused(Folder("bert", """{"model_type": "bert", "hidden_size": 32}"""));
        Assert.Contains("BERT folder", e.Message);
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
