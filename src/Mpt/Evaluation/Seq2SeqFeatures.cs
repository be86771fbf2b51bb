using static TorchSharp.torch;

namespace Mpt.Evaluation;

/// <summary>
/// Model features of a batch (int64 CPU tensors): encoder input ids and attention mask [B, S] and labels [B, T] with
/// -100 at padded positions. Disposing the record disposes the tensors.
/// </summary>
/// <param name="InputIds">Source token ids [B, S], right-padded with pad.</param>
/// <param name="AttentionMask">[B, S], 1 = token, 0 = padding.</param>
/// <param name="Labels">Target token ids [B, T] (eos last), right-padded with -100.</param>
public sealed record Seq2SeqFeatures(Tensor InputIds, Tensor AttentionMask, Tensor Labels) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        Labels.Dispose();
    }
}
