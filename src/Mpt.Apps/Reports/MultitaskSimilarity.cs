namespace Mpt.Reports;

/// <summary>Which per-task tensor of a multitask prompt the similarity heatmap compares.</summary>
public enum MultitaskSimilarity
{
    /// <summary>
    /// The task-specific matrices W_k = u_k v_k [l, d] (paper Eq. 2 without the shared prompt). For rank 1,
    /// cos(W_a, W_b) = cos(u_a, u_b) · cos(v_a, v_b): the similarity of the learned task vectors themselves.
    /// </summary>
    TaskMatrices,

    /// <summary>
    /// The composed prompts P̂_k = P* ∘ W_k [l, d]. All tasks share P*, so these are usually all close to 1; useful to
    /// see how far the tasks moved from the shared prompt.
    /// </summary>
    ComposedPrompts,
}
