using static TorchSharp.torch;

namespace Mpt.Serving;

/// <summary>A served MPT task's own part of its prompt: u_k [1, l, r] and v_k [1, r, d] over a <see cref="SharedPrompt"/> P*.</summary>
/// <param name="Shared">P*, shared with the other tasks of its run.</param>
/// <param name="Cols">u_k [1, l, r] (PEFT <c>prefix_task_cols</c>).</param>
/// <param name="Rows">v_k [1, r, d] (PEFT <c>prefix_task_rows</c>).</param>
internal sealed record PromptFactors(SharedPrompt Shared, Tensor Cols, Tensor Rows);
