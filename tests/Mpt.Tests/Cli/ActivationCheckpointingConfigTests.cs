using Mpt.Backbones;
using Mpt.Pipeline;
using Mpt.Tests.Infrastructure;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary><c>model.activation_checkpointing</c> in pipeline configs: off by default, applied to a T5 backbone, refused for encoders.</summary>
public sealed class ActivationCheckpointingConfigTests
{
    [Fact]
    public void Config_Defaults_To_Off_And_Reads_True()
    {
        Assert.False(ConfigJson.Load(null).Model.ActivationCheckpointing);
        Assert.True(ConfigJson.Parse("""{"model": {"path": "m", "activation_checkpointing": true}}""").Model.ActivationCheckpointing);
        var e = Assert.ThrowsAny<Exception>(() => ConfigJson.Parse("""{"model": {"path": "m", "activation_checkpointing": "yes"}}"""));
        Assert.Contains("activation_checkpointing", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_T5_Backbone_Should_Get_The_Configured_Setting(bool on)
    {
        string folder = GoldenRoot.Combine("models", GoldenRoot.ModelNames()[0]);

        using var backbone = RunBackbones.Load(new ModelConfig { Path = folder, ActivationCheckpointing = on }, new EvaluateConfig());

        Assert.Equal(on, Assert.IsType<T5RunBackbone>(backbone).Model.ActivationCheckpointing);
    }

    [Fact]
    public void An_Encoder_Backbone_Should_Refuse_The_T5_Setting()
    {
        var e = Assert.Throws<ConfigException>(() =>
            RunBackbones.Load(new ModelConfig { Path = RunBackbones.MiniLM, ActivationCheckpointing = true }, new EvaluateConfig()));
        Assert.Contains("model.activation_checkpointing", e.Message);
    }
}
