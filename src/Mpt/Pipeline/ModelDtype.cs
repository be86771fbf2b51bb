using Mpt.Backbones;
using Mpt.Model;
using Mpt.Numerics;

namespace Mpt.Pipeline;

/// <summary>
/// Resolves <c>model.dtype auto</c> for a model (<see cref="AutoDtype"/>): encoder backbones run in float32, a T5 folder
/// is decided by its dominant GEMM (d_model × d_ff from its config.json) on this process's device and threads. The one
/// place for pipeline runs and for the verbs that load a single model (<c>mpt predict</c>, <c>mpt evaluate</c>).
/// </summary>
public static class ModelDtype
{
    /// <summary>The choice for <paramref name="model"/>, whose <see cref="ModelConfig.Dtype"/> is <c>auto</c>.</summary>
    /// <param name="model">The model section (path and device are read).</param>
    /// <param name="resolver">The resolver (its cache, environment and measurement).</param>
    /// <param name="recordedDtype">The dtype a resumed run folder recorded, else null.</param>
    /// <param name="reproducible">Whether the reproducible numerics mode is active (it resolves to float32).</param>
    /// <param name="log">Receives why a cache entry was not used and when the GEMMs are measured.</param>
    public static DtypeChoice ResolveAuto(ModelConfig model, AutoDtype resolver, string? recordedDtype, bool reproducible, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(resolver);
        if (RunBackbones.IsEncoder(model.Path))
            return new DtypeChoice(AutoDtype.Float32, DtypeChoice.Encoder, "encoder backbones (MiniLM, BERT) run in float32");
        return resolver.Resolve(recordedDtype, reproducible, () =>
        {
            var shape = T5Config.FromJsonFile(Path.Combine(model.Path!, "config.json"));
            return DtypeProbeKey.OfThisProcess(model.Device, TorchSharp.torch.get_num_threads(), AutoDtype.ProbeRows, shape.DModel, shape.DFf);
        }, log);
    }
}
