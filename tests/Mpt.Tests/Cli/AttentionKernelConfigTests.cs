using Mpt.Backbones;
using Mpt.Model;
using Mpt.Pipeline;
using Mpt.Tests.Infrastructure;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary><c>model.attention_kernel</c> in pipeline configs: parsed, applied to a T5 backbone, refused for encoders.</summary>
public sealed class AttentionKernelConfigTests
{
    [Fact]
    public void Config_Defaults_To_Fused_And_Reads_Math()
    {
        Assert.Equal(AttentionKernel.Fused, ConfigJson.Load(null).Model.AttentionKernel);
        var config = ConfigJson.Parse("""{"model": {"path": "m", "attention_kernel": "math"}}""");
        Assert.Equal(AttentionKernel.Math, config.Model.AttentionKernel);
        var e = Assert.Throws<ConfigException>(() => ConfigJson.Parse("""{"model": {"path": "m", "attention_kernel": "flash"}}"""));
        Assert.Contains("model.attention_kernel", e.Message);
    }

    [Theory]
    [InlineData(AttentionKernel.Fused)]
    [InlineData(AttentionKernel.Math)]
    public void A_T5_Backbone_Should_Run_With_The_Configured_Kernel(AttentionKernel kernel)
    {
        string folder = GoldenRoot.Combine("models", GoldenRoot.ModelNames()[0]);

        using var backbone = RunBackbones.Load(new ModelConfig { Path = folder, AttentionKernel = kernel }, new EvaluateConfig());

        Assert.Equal(kernel, Assert.IsType<T5RunBackbone>(backbone).Model.AttentionKernel);
    }

    [Fact]
    public void An_Encoder_Backbone_Should_Refuse_The_T5_Setting()
    {
        var e = Assert.Throws<ConfigException>(() =>
            RunBackbones.Load(new ModelConfig { Path = RunBackbones.MiniLM, AttentionKernel = AttentionKernel.Math }, new EvaluateConfig()));
        Assert.Contains("model.attention_kernel", e.Message);
    }
}
