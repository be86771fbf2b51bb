using Mpt.Model;

namespace Mpt.Pipeline;

/// <summary>The frozen backbone every stage runs on (section <c>model</c>).</summary>
public sealed record ModelConfig
{
    /// <summary>The backbone; required: a Hugging Face T5 folder (config.json + weights), or <c>minilm</c> for the embedded
    /// all-MiniLM-L6-v2 encoder (see <see cref="Backbones.RunBackbones"/>).</summary>
    public string? Path { get; init; }

    /// <summary>Tokenizer folder (spiece.model) when the model folder has none.</summary>
    public string? Tokenizer { get; init; }

    /// <summary>Torch device: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (needs a CUDA build of libtorch).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Backbone dtype: <c>float32</c>, <c>bfloat16</c>, or <c>auto</c> (bfloat16 only where this machine's
    /// bfloat16 GEMM is clearly faster, measured once and cached: <see cref="Numerics.AutoDtype"/>; a run records the dtype
    /// it resolved to). Prompts always train in float32.</summary>
    public string Dtype { get; init; } = "float32";

    /// <summary>How the backbone draws dropout masks while training: <c>exact</c> (libtorch's <c>F.dropout</c>, the
    /// default, reproducible with PyTorch's stream) or <c>parallel_chunks</c> (same distribution, another random stream,
    /// drawn on several threads; CPU only — other devices use exact). See <see cref="Model.DropoutKernel"/>.</summary>
    public DropoutKernel DropoutKernel { get; init; } = DropoutKernel.Exact;

    /// <summary>How a T5 backbone computes attention: <c>fused</c> (libtorch's scaled_dot_product_attention wherever
    /// attention dropout is off, the default) or <c>math</c> (HF's explicit form everywhere). The two agree up to float
    /// rounding, so the choice is not part of a run's recorded settings. See <see cref="Model.AttentionKernel"/>.</summary>
    public AttentionKernel AttentionKernel { get; init; } = AttentionKernel.Fused;

    /// <summary>Recompute a T5 backbone's blocks in the backward instead of keeping their activations while training
    /// (<c>activation_checkpointing</c>, false by default): less memory for about one more forward per step; losses,
    /// gradients and dropout masks are unchanged, so the choice is not part of a run's recorded settings. See
    /// <see cref="Model.T5ForConditionalGeneration.ActivationCheckpointing"/>.</summary>
    public bool ActivationCheckpointing { get; init; }

    /// <summary>Checks the section.</summary>
    public void Validate(string path = "model")
    {
        ConfigChecks.Required($"{path}.path", Path);
        ConfigChecks.OneOf($"{path}.dtype", Dtype, Numerics.AutoDtype.Float32, Numerics.AutoDtype.BFloat16, Numerics.AutoDtype.Name);
        if (Device != "cpu" && Device != "cuda" && !(Device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(Device[5..], out _)))
            throw new ConfigException($"{path}.device must be cpu, cuda or cuda:N, got '{Device}'.");
    }
}
