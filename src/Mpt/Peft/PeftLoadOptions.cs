namespace Mpt.Peft;

/// <summary>Options of <see cref="PeftAdapter.Load(string, PeftLoadOptions?)"/>.</summary>
public sealed record PeftLoadOptions
{
    /// <summary>
    /// Expert override: load a prompt recorded for another model (different weights fingerprint or architecture with
    /// the same d_model; or, for adapters without an <c>mpt_model.json</c>, other num_layers / num_attention_heads /
    /// task_type than the model). A different d_model is never loadable.
    /// </summary>
    public bool AllowModelMismatch { get; init; }

    /// <summary>
    /// For adapters with <c>num_transformer_submodules</c> 2 (PEFT's seq2seq default, which also prepends a second l rows
    /// to the decoder input): load only the first l rows, the ones PEFT prepends to the encoder input, and return the
    /// config with submodules 1. The decoder half is dropped, so outputs differ from PEFT's — opt in knowingly.
    /// </summary>
    public bool UseEncoderHalfOfDecoderPrompts { get; init; }
}
