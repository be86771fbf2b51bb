using Mpt.Model;

namespace Mpt.Benchmarks;

/// <summary>
/// The matrix-multiply work of one prompt-tuning step on a frozen T5, counted from the shapes (2 FLOPs per
/// multiply-add), so a measured step time becomes a rate (GFLOP/s) comparable with the machine's GEMM rate.
/// </summary>
/// <remarks>
/// <para><b>Forward</b> (encoder over N = prompt + seq positions, decoder over T label positions, batch B, width d,
/// h heads of d_kv, inner = h·d_kv, feed-forward d_ff with 2 matrices, or 3 when gated):</para>
/// <list type="bullet">
/// <item>encoder layer: Q, K, V, O projections 4·2·B·N·d·inner; scores QKᵀ and AV 2·2·B·h·N²·d_kv; FFN 2·B·N·d·d_ff per matrix;</item>
/// <item>decoder layer: self-attention projections 4·2·B·T·d·inner and scores 2·2·B·h·T²·d_kv; cross-attention Q and O
/// 2·2·B·T·d·inner, K and V over the encoder output 2·2·B·N·d·inner, scores 2·2·B·h·T·N·d_kv; FFN over T;</item>
/// <item>LM head 2·B·T·d·V.</item>
/// </list>
/// <para><b>Backward to the prompt</b>: the backbone is frozen, so no weight gradient is computed; each projection
/// y = xWᵀ costs one input-gradient GEMM dX = dY·W of the forward's size. The score products (QKᵀ, AV) multiply two
/// activations that both carry gradients, so they cost twice their forward. The first decoder layer's self-attention
/// reads only label embeddings, which need no gradient, so autograd skips it (its projections and scores count 0).</para>
/// <para>Not counted: layer norms, softmax, the relative position bias, dropout, the loss and AdamW on l·d prompt
/// values — elementwise work of O(B·N·d) or O(B·h·N²) that is small next to the GEMMs at these shapes, but is real time,
/// so the fraction of the GEMM rate a step reaches is a lower bound on how busy the machine is.</para>
/// </remarks>
/// <param name="Forward">Forward GEMM FLOPs.</param>
/// <param name="BackwardToPrompt">Backward GEMM FLOPs (input gradients only).</param>
public sealed record T5StepFlops(double Forward, double BackwardToPrompt)
{
    /// <summary>Forward plus backward.</summary>
    public double Total => Forward + BackwardToPrompt;

    /// <summary>The FLOPs of one training step of <paramref name="config"/>'s shape.</summary>
    /// <param name="config">The model shape.</param>
    /// <param name="batch">Examples per step (B).</param>
    /// <param name="encoderLength">Encoder positions per example, prompt + input (N).</param>
    /// <param name="targetLength">Label positions per example (T).</param>
    public static T5StepFlops TrainStep(T5Config config, int batch, int encoderLength, int targetLength)
    {
        ArgumentNullException.ThrowIfNull(config);
        double b = batch, n = encoderLength, t = targetLength, d = config.DModel, h = config.NumHeads, dKv = config.DKv;
        double inner = h * dKv, ffMatrices = config.IsGatedAct ? 3 : 2;

        double encProjections = 4 * 2 * b * n * d * inner;
        double encScores = 2 * 2 * b * h * n * n * dKv;
        double encFfn = ffMatrices * 2 * b * n * d * config.DFf;

        double decSelfProjections = 4 * 2 * b * t * d * inner;
        double decSelfScores = 2 * 2 * b * h * t * t * dKv;
        double crossProjections = 2 * 2 * b * t * d * inner + 2 * 2 * b * n * d * inner;
        double crossScores = 2 * 2 * b * h * t * n * dKv;
        double decFfn = ffMatrices * 2 * b * t * d * config.DFf;
        double lmHead = 2 * b * t * d * config.VocabSize;

        int encLayers = config.NumLayers, decLayers = config.NumDecoderLayers;
        double forward = encLayers * (encProjections + encScores + encFfn)
            + decLayers * (decSelfProjections + decSelfScores + crossProjections + crossScores + decFfn) + lmHead;
        double backward = encLayers * (encProjections + 2 * encScores + encFfn)
            + decLayers * (crossProjections + 2 * crossScores + decFfn)
            + Math.Max(decLayers - 1, 0) * (decSelfProjections + 2 * decSelfScores) + lmHead;
        return new T5StepFlops(forward, backward);
    }
}
