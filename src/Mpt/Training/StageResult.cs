using Mpt.Prompts;

namespace Mpt.Training;

/// <summary>A trained prompt and how its training went.</summary>
/// <typeparam name="TPrompt">The prompt type.</typeparam>
/// <param name="Prompt">The trained prompt (best dev values when an evaluator was given).</param>
/// <param name="Training">Loop outcome, including the parameter accounting.</param>
public sealed record StageResult<TPrompt>(TPrompt Prompt, TrainingResult Training) where TPrompt : PromptEncoder;
