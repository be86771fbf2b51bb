using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// What a prompted backbone returns for one batch, in the terms the MPT objectives need (Wang et al. 2023, §3.1):
/// the task loss L_PLM (Eq. 1), the output distribution the logit-distillation KL compares (Eq. 3) and the hidden states
/// of the hidden-state loss (Eq. 4). Tensors live in the caller's dispose scope.
/// </summary>
/// <param name="Loss">Scalar task loss: T5, mean token cross-entropy of the labels; a classifier, mean cross-entropy of the class.</param>
/// <param name="Logits">
/// [B, T, V] unnormalised scores of the output distribution: T5, the decoder logits at the T target positions over the
/// vocabulary; a similarity classifier, T = 1 and the label scores over the task's labels (padded, see
/// <see cref="Mpt.Encoder.SimilarityVerbalizer.PaddingScore"/>).
/// </param>
/// <param name="LogitsMask">[B, T], nonzero where <paramref name="Logits"/> holds a real target position.</param>
/// <param name="HiddenStates">The stacks for the hidden-state loss, or null when they were not requested.</param>
public sealed record PromptedOutput(Tensor Loss, Tensor Logits, Tensor LogitsMask, IReadOnlyList<HiddenStateStack>? HiddenStates);
