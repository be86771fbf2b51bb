namespace Mpt.Training;

/// <summary>What the student imitates during MPT source training (paper Eq. 5 and the ablations of §4.3, Table 6).</summary>
public enum DistillationObjective
{
    /// <summary>The paper: L_PLM + λ (L_Logits + L_Hidden), hidden states of the encoder and the decoder.</summary>
    LogitsAndHidden,

    /// <summary>Ablation "w/o hidden-state loss": L_PLM + λ L_Logits.</summary>
    LogitsOnly,

    /// <summary>Ablation "w/o prompt distillation": plain multitask prompt training on L_PLM; teachers are not needed.</summary>
    None,

    /// <summary>
    /// Variant of Table 6: distil by matching the prompts themselves, L_PLM + λ MSE(P̂_k, P_k^teacher) (mean over the
    /// l × d entries of every row's prompt). No teacher forward pass is run, so it is much cheaper.
    /// </summary>
    PromptMse,
}
