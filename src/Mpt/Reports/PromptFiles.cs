namespace Mpt.Reports;

/// <summary>
/// The prompt files of a run that the task-similarity heatmaps read (<c>results.json</c>'s <c>prompts</c>). Paths are
/// relative to the run folder; tensors carry PEFT names (<see cref="Prompts.PeftPromptTensorNames"/>).
/// </summary>
/// <param name="Teachers">Source task → single-task teacher prompt file (<c>prompt_embeddings</c> [l, d]).</param>
/// <param name="Multitask">The distilled multitask prompt and its task order, when the run has one.</param>
public sealed record PromptFiles(IReadOnlyDictionary<string, string>? Teachers = null, MultitaskPromptFile? Multitask = null);

/// <summary>A multitask prompt file and the names of its tasks.</summary>
/// <param name="Path">File with <c>prompt_embeddings</c> [l, d], <c>prefix_task_cols</c> [T, l, r] and
/// <c>prefix_task_rows</c> [T, r, d], relative to the run folder.</param>
/// <param name="Tasks">Task name of each index 0 … T − 1.</param>
public sealed record MultitaskPromptFile(string Path, IReadOnlyList<string> Tasks);
