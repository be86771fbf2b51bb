using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// The hidden states of one transformer stack that the hidden-state distillation loss (paper Eq. 4) compares: T5 has
/// two (encoder and decoder, "both the encoder and decoder of T5", §4.1), a BERT encoder one.
/// </summary>
/// <param name="States">HF-style hidden states: [0] = embedding output, [i] = block i's output, last = final state; each [B, l + S, d] (prompt positions first) or [B, T, d] for a decoder.</param>
/// <param name="TokenMask">[B, S]: nonzero at the real (non-padding) positions after the prompt positions.</param>
/// <param name="PromptLength">Number of prompt positions l in front of the tokens (0 for a decoder stack).</param>
public sealed record HiddenStateStack(IReadOnlyList<Tensor> States, Tensor TokenMask, int PromptLength)
{
    /// <summary>
    /// The [B, l + S] positions the loss compares: the tokens, and the l prompt positions when
    /// <paramref name="includePromptPositions"/> (see <see cref="DistillationLosses.EncoderMask"/>).
    /// </summary>
    public Tensor ComparedPositions(bool includePromptPositions) =>
        PromptLength == 0 ? TokenMask : DistillationLosses.EncoderMask(TokenMask, PromptLength, includePromptPositions);
}
