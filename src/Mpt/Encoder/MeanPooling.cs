using Mpt.Numerics;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mpt.Encoder;

/// <summary>
/// The sentence embedding of all-MiniLM-L6-v2 as sentence-transformers computes it (its <c>Pooling</c> module with
/// <c>pooling_mode_mean_tokens</c>, then <c>Normalize</c>): the mean of the last hidden states over the positions the
/// mask selects ([CLS] and [SEP] included), then L2 normalisation — so a dot product of two embeddings is their cosine.
/// </summary>
public static class MeanPooling
{
    /// <summary>
    /// (B, S, D) hidden states and a (B, S) mask (nonzero = pooled) → (B, D) unit vectors in float32 (pooling a bf16 model
    /// in float32 keeps the cosine exact to the model's precision).
    /// </summary>
    public static Tensor Normalized(Tensor hiddenStates, Tensor mask)
    {
        if (hiddenStates.dim() != 3 || mask.dim() != 2 || hiddenStates.shape[0] != mask.shape[0] || hiddenStates.shape[1] != mask.shape[1])
            throw new ArgumentException($"hidden states must be (B, S, D) and the mask (B, S); got [{string.Join(",", hiddenStates.shape)}] and [{string.Join(",", mask.shape)}].");
        using var scope = NewDisposeScope();
        var weights = mask.NotEqualTo(0).to(ScalarType.Float32).unsqueeze(-1);                          // (B, S, 1)
        var summed = (hiddenStates.to(ScalarType.Float32) * weights).sum(1);                      // (B, D)
        // sentence-transformers clamps the count at 1e-9 (an all-masked row pools to 0 instead of NaN).
        var mean = summed / weights.sum(1).AtLeast(1e-9);                                      // (B, D)
        return F.normalize(mean, p: 2, dim: 1, eps: 1e-12).MoveToOuterDisposeScope();
    }
}
