namespace Mpt.Prompts;

/// <summary>
/// Initial values of MPT's task-specific factors u (<c>prefix_task_cols</c>) and v (<c>prefix_task_rows</c>), which the
/// paper leaves unspecified (docs/method.md §2.3, §7 decision 6).
/// Config key <c>distill.task_vector_init</c>.
/// </summary>
public enum TaskVectorInit
{
    /// <summary>
    /// u = 1 and v = 1/r, so u_k·v_k (summed over the r ranks) is the all-ones matrix and every task starts at
    /// P̂_k = P* ∘ 1 = P*. Mpt's default: the paper distils the students from teachers starting from a P* drawn like the
    /// teachers' own init (vocabulary rows), so the student prompt starts as a sensible prompt, and the
    /// multiplicative factors start at the identity of the Hadamard product, where their gradients are as large as P*'s.
    /// </summary>
    Ones,

    /// <summary>
    /// u, v ~ N(0, 0.02) each, PEFT's init (<c>MultitaskPromptEmbedding</c>). Entries of u·v then have std ≈ 4e-4, so the
    /// initial prompts P̂_k ≈ 0 and the gradients reaching u, v and P* are tiny at the start.
    /// </summary>
    PeftNormal,
}
