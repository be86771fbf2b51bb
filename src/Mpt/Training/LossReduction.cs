namespace Mpt.Training;

/// <summary>
/// How a distillation loss is reduced over the valid (unmasked) positions of a batch. The paper writes both losses as sums
/// (Eqs. 3-4) but does not say how they are normalised (docs/method.md §7, decision 11); the choice changes the effective λ.
/// Config key <c>distill.reduction</c>.
/// </summary>
public enum LossReduction
{
    /// <summary>
    /// Mean over the valid positions of the batch (Mpt's default). This is how HF T5 reduces the task cross-entropy
    /// L_PLM (mean over label != -100), so with λ = 0.9 the three terms of Eq. (5) are on the same per-token scale and
    /// the balance does not drift with batch size or sequence length.
    /// </summary>
    TokenMean,

    /// <summary>Sum over the valid positions (and, for the hidden loss, over the hidden units): Eqs. (3)-(4) literally.</summary>
    Sum,
}
