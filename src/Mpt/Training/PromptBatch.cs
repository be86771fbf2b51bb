using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// A collated batch (see <see cref="BatchCollator"/>): input_ids [B, S] and attention_mask [B, S] (int64, right padding),
/// labels [B, T] (int64, padding = -100 so HF's cross-entropy ignores it) and task_ids [B] (int64).
/// The tensors live in the dispose scope that was current when the batch was collated.
/// </summary>
public sealed record PromptBatch(Tensor InputIds, Tensor AttentionMask, Tensor Labels, Tensor TaskIds)
{
    /// <summary>Number of rows B.</summary>
    public long Size => InputIds.shape[0];
}
