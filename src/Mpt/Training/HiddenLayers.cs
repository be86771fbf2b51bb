namespace Mpt.Training;

/// <summary>
/// Which hidden states enter the hidden-state distillation loss (Eq. 4): the paper names "the encoder and decoder of T5"
/// but not the layers (docs/method.md §7, decision 10).
/// Config key <c>distill.hidden_layers</c>.
/// </summary>
public enum HiddenLayers
{
    /// <summary>Only the last hidden state of each stack (after its final layer norm; Mpt's default).</summary>
    Final,

    /// <summary>
    /// The output of every block, hidden_states[1..L] in HF's convention, averaged over the layers under
    /// <see cref="LossReduction.TokenMean"/> (so depth does not scale the loss) and summed under <see cref="LossReduction.Sum"/>. hidden_states[0] (the
    /// input embeddings) is left out: for tokens it is identical in teacher and student (frozen embeddings), and for the
    /// prompt rows it would be a direct prompt-matching term, which the paper ablates as a different method (Table 6).
    /// </summary>
    All,
}
