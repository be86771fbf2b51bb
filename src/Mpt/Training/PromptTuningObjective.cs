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
        var loss = Forward(model, batch, outputHiddenStates: false).Loss;
        return new StepLosses(loss, new Dictionary<string, TorchSharp.torch.Tensor> { [TaskLoss] = loss });
    };

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
