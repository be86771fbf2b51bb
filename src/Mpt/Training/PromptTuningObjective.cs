using Mpt.Prompts;

namespace Mpt.Training;

/// <summary>
/// Eq. (1) of the paper, L_PLM: the mean cross-entropy of the gold targets given the prompted input (teachers, target
/// adaptation, PT and SPoT baselines, and the task part of distillation).
/// </summary>
public static class PromptTuningObjective
{
    /// <summary>Name of the task-loss component in logs.</summary>
    public const string TaskLoss = "task";

    /// <summary>The objective for <paramref name="model"/>: batch → L_PLM.</summary>
    public static Func<PromptBatch, StepLosses> For(IPromptedModel model) => batch =>
    {
        var output = Forward(model, batch, outputHiddenStates: false);
        return new StepLosses(output.Loss, new Dictionary<string, TorchSharp.torch.Tensor> { [TaskLoss] = output.Loss })
        {
            Terms = [TaskTerm(output)],
        };
    };

    /// <summary>
    /// L_PLM as a <see cref="LossTerm"/>: both backbones average the cross-entropy over the target positions of
    /// <see cref="PromptedOutput.LogitsMask"/> (T5: the label tokens, as HF's <c>labels != -100</c> mean; a classifier:
    /// one position per row, so a mean over the examples).
    /// </summary>
    public static LossTerm TaskTerm(PromptedOutput output) => new(TaskLoss, output.Loss, output.LogitsMask);

    /// <summary>The student forward pass: the model with its own prompt rows, Prompt(<see cref="StudentTaskIds"/>).</summary>
    public static PromptedOutput Forward(IPromptedModel model, PromptBatch batch, bool outputHiddenStates) =>
        model.ForwardWithPrompts(batch, model.Prompt.call(StudentTaskIds(model.Prompt, batch)), outputHiddenStates);

    /// <summary>
    /// The task ids the prompt sees: the batch's own, or all zeros for a single-task prompt (a teacher trained on source
    /// task k, or the "no decomposition" ablation's one prompt shared by every task).
    /// </summary>
    public static TorchSharp.torch.Tensor StudentTaskIds(PromptEncoder prompt, PromptBatch batch) =>
        prompt.NumTasks == 1 ? TorchSharp.torch.zeros_like(batch.TaskIds) : batch.TaskIds;
}
