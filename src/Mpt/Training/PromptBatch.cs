using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// A collated batch (see <see cref="IBatchCollator"/>): input_ids [B, S] and attention_mask [B, S] (int64, right padding),
/// labels [B, T] (int64, padding = -100 so HF's cross-entropy ignores it; a classifier has T = 1 holding the class
/// index) and task_ids [B] (int64); token_type_ids [B, S] for backbones with segments (BERT), else null.
/// The tensors live in the dispose scope that was current when the batch was collated.
/// </summary>
public sealed record PromptBatch(Tensor InputIds, Tensor AttentionMask, Tensor Labels, Tensor TaskIds)
{
    /// <summary>Segment ids [B, S] (int64; 0 = first text, 1 = second text, 0 on padding), or null (T5).</summary>
    public Tensor? TokenTypeIds { get; init; }

    /// <summary>Number of rows B.</summary>
    public long Size => InputIds.shape[0];
}
