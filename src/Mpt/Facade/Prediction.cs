namespace Mpt;

/// <summary>What a <see cref="PromptedModel"/> predicts for one input.</summary>
/// <param name="Label">
/// The predicted label; for a T5 model the generated text (which is a label when the prompt learned the task, and may
/// be anything else, e.g. for a prompt loaded without its labels).
/// </param>
/// <param name="Scores">
/// Probability of each label of the task (sums to 1): a softmax over the encoder's similarity scores, or over T5's
/// log-likelihood of each label text (rank classification). Empty when the labels are unknown.
/// </param>
public sealed record Prediction(string Label, IReadOnlyDictionary<string, double> Scores);
