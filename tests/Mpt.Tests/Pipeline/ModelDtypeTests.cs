using Mpt.Numerics;
using Mpt.Pipeline;
using Mpt.Tests.Evaluation;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>
/// <c>model.dtype auto</c> for one model (<see cref="ModelDtype.ResolveAuto"/>, shared by pipeline runs and by
/// <c>mpt predict</c> / <c>mpt evaluate</c>), on injected rates: a T5 folder is probed at its own d_model × d_ff, an encoder
/// is float32 without any measurement.
/// </summary>
public sealed class ModelDtypeTests : IDisposable
{
    private readonly string _cache = Path.Combine(Path.GetTempPath(), "mpt-modeldtype-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_cache)) Directory.Delete(_cache, recursive: true);
    }

    private AutoDtype Resolver(double float32, double bfloat16, List<DtypeProbeKey> probed) => new(_cache, _ => null, key =>
    {
        probed.Add(key);
        return (new TimingSummary(float32, float32, float32, float32, float32, 3), new TimingSummary(bfloat16, bfloat16, bfloat16, bfloat16, bfloat16, 3));
    });

    [Theory]
    [InlineData(100, 250, "bfloat16")]
    [InlineData(100, 105, "float32")]
    public void A_T5_folder_is_probed_at_its_own_feed_forward_shape(double float32, double bfloat16, string expected)
    {
        using var ws = new TinyEvaluationWorkspace();
        var probed = new List<DtypeProbeKey>();

        var choice = ModelDtype.ResolveAuto(new ModelConfig { Path = ws.ModelDir, Dtype = AutoDtype.Name }, Resolver(float32, bfloat16, probed),
            recordedDtype: null, reproducible: false);

        Assert.Equal(expected, choice.Resolved);
        Assert.Equal(DtypeChoice.Measured, choice.Source);
        var key = Assert.Single(probed);
        Assert.Equal([AutoDtype.ProbeRows, ws.Config.DModel, ws.Config.DFf], key.Gemm);
        Assert.Equal("cpu", key.Device);
    }

    [Fact]
    public void An_encoder_is_float32_without_measuring_and_the_reproducible_mode_is_float32_for_T5()
    {
        using var ws = new TinyEvaluationWorkspace();
        var probed = new List<DtypeProbeKey>();

        var encoder = ModelDtype.ResolveAuto(new ModelConfig { Path = "minilm", Dtype = AutoDtype.Name }, Resolver(100, 400, probed), null, reproducible: false);
        var reproducible = ModelDtype.ResolveAuto(new ModelConfig { Path = ws.ModelDir, Dtype = AutoDtype.Name }, Resolver(100, 400, probed), null, reproducible: true);

        Assert.Equal((AutoDtype.Float32, DtypeChoice.Encoder), (encoder.Resolved, encoder.Source));
        Assert.Equal((AutoDtype.Float32, DtypeChoice.ReproducibleMode), (reproducible.Resolved, reproducible.Source));
        Assert.Empty(probed);
    }
}
