using Mpt.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Evaluation;

/// <summary>
/// Rank classification: instead of generating, score every label string with the decoder and pick the most likely
/// one, so every prediction is a valid label (the scoring used by T0 / Sanh et al. 2022 and the GPT-3 paper's
/// multiple-choice evaluation; an option next to ATTEMPT's generate-and-string-match). The score of candidate c for row
/// b is log p(c | x_b) = Σ_t log softmax(logits_t)[c_t] over every token of c including its eos (teacher forcing, the
/// same distribution the training loss uses). The encoder runs once per batch and its output is reused for every
/// candidate, and so are the decoder's cross-attention keys and values of that output (computed on the first
/// candidate); each candidate is one decoder pass over the batch, so memory stays at one [B, T, V] logits tensor.
/// </summary>
public static class RankClassifier
{
    /// <summary>
    /// Log-probability scores [B, C] of <paramref name="candidates"/> (token ids ending with eos) for each row of the
    /// batch <paramref name="inputIds"/> / <paramref name="attentionMask"/> [B, S]. Runs without gradients.
    /// </summary>
    public static double[,] Score(EvaluationModel model, Tensor inputIds, Tensor attentionMask, IReadOnlyList<long[]> candidates)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckCandidates(candidates);
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var (encoded, crossMask) = model.Encode(inputIds, attentionMask);                                      // (B, S', D)
        return ScoreEncoded(model.Backbone, encoded.LastHiddenState, crossMask, candidates);
    }

    /// <summary>
    /// The scores [B, C] of <paramref name="candidates"/> over an encoder output already computed,
    /// <paramref name="encoderHiddenStates"/> [B, S', D] with cross-attention mask <paramref name="crossAttentionMask"/>
    /// [B, S'] (prompt positions included): the decoder half of <see cref="Score"/>, for a caller whose batch rows have
    /// prompts of their own (a server mixing tasks). Runs without gradients.
    /// </summary>
    public static double[,] ScoreEncoded(Model.T5ForConditionalGeneration backbone, Tensor encoderHiddenStates, Tensor crossAttentionMask, IReadOnlyList<long[]> candidates)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        CheckCandidates(candidates);
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        long batch = encoderHiddenStates.shape[0];
        var config = backbone.Config;
        var scores = new double[batch, candidates.Count];
        using var crossAttention = backbone.NewCrossAttentionCache();
        for (int c = 0; c < candidates.Count; c++)
        {
            using var candidateScope = NewDisposeScope();
            long length = candidates[c].Length;
            var labels = torch.tensor(candidates[c], [1, length], ScalarType.Int64, encoderHiddenStates.device).expand(batch, length); // (B, T)
            var decoderInput = Model.T5ForConditionalGeneration.ShiftRight(labels, config.RequireDecoderStartTokenId(), config.PadTokenId);
            var logits = backbone.DecoderLogits(decoderInput, encoderHiddenStates, crossAttentionMask, crossAttention); // (B, T, V)
            var rowScores = SequenceLogProbability(logits, labels);                                            // (B)
            double[] values = rowScores.to(ScalarType.Float64).cpu().data<double>().ToArray();
            for (int b = 0; b < batch; b++) scores[b, c] = values[b];
        }
        return scores;
    }

    /// <summary>The candidates of <paramref name="labels"/>: each label's token ids, eos included, as the targets of training.</summary>
    public static IReadOnlyList<long[]> Candidates(Tokenization.T5Tokenizer tokenizer, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(labels);
        return labels.Select(l => tokenizer.Encode(l).Select(id => (long)id).ToArray()).ToList();
    }

    private static void CheckCandidates(IReadOnlyList<long[]> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count == 0) throw new ArgumentException("Rank classification needs at least one candidate.", nameof(candidates));
        if (candidates.Any(c => c.Length == 0)) throw new ArgumentException("A candidate has no tokens.", nameof(candidates));
    }

    /// <summary>
    /// Σ_t log softmax(logits[b, t])[labels[b, t]] over positions whose label is not -100: [B, T, V] and [B, T] → [B].
    /// The softmax is taken in float32 whatever the model dtype (half-precision log-probs lose the ranking).
    /// </summary>
    public static Tensor SequenceLogProbability(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var logProbs = logits.to(ScalarType.Float32).log_softmax(-1);                                            // (B, T, V)
        var keep = labels.NotEqualTo(T5FeatureConverter.IgnoreIndex);                                                  // (B, T)
        var index = labels.FilledWhere(keep.logical_not(), 0).unsqueeze(-1);                                   // (B, T, 1)
        var tokenLogProbs = logProbs.gather(-1, index).squeeze(-1).FilledWhere(keep.logical_not(), 0.0);        // (B, T)
        return tokenLogProbs.sum(1).MoveToOuterDisposeScope();                                                  // (B)
    }

    /// <summary>Index of the best candidate per row (the first one on ties, as numpy argmax).</summary>
    public static int[] Best(double[,] scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var best = new int[scores.GetLength(0)];
        for (int b = 0; b < best.Length; b++)
        {
            int arg = 0;
            for (int c = 1; c < scores.GetLength(1); c++)
                if (scores[b, c] > scores[b, arg]) arg = c;
            best[b] = arg;
        }
        return best;
    }
}
