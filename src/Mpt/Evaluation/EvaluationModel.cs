using Mpt.Numerics;
using Mpt.Model;
using Mpt.Prompts;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Evaluation;

/// <summary>
/// What is evaluated: a plain T5, or a frozen T5 behind a prompt encoder with the task id every row is run as (MPT's
/// task-specific prompt P_k, or 0 for a single-task prompt). The evaluator only needs two operations — greedy decoding
/// and "encode once, then score decoder inputs" — so prompted and plain models share one code path (no method branches
/// in the evaluator: PEFT's peft_model.py shows how per-method branches in shared code grow).
/// </summary>
public sealed class EvaluationModel
{
    private EvaluationModel(T5ForConditionalGeneration backbone, PromptedT5? prompted, long taskId)
    {
        Backbone = backbone;
        Prompted = prompted;
        TaskId = taskId;
    }

    /// <summary>A plain T5 (fine-tuned or pretrained), no prompt.</summary>
    public static EvaluationModel Plain(T5ForConditionalGeneration model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new EvaluationModel(model, null, 0);
    }

    /// <summary>A prompted T5 whose rows all use prompt <paramref name="taskId"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The prompt encoder has no task <paramref name="taskId"/>.</exception>
    public static EvaluationModel WithPrompt(PromptedT5 model, int taskId = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (taskId < 0 || taskId >= model.Prompt.NumTasks)
            throw new ArgumentOutOfRangeException(nameof(taskId), taskId,
                $"task id {taskId} is out of range: the prompt has {model.Prompt.NumTasks} task(s), ids 0..{model.Prompt.NumTasks - 1}.");
        return new EvaluationModel(model.Backbone, model, taskId);
    }

    /// <summary>The T5 that encodes and decodes.</summary>
    public T5ForConditionalGeneration Backbone { get; }

    /// <summary>The prompted model, or null for a plain T5.</summary>
    public PromptedT5? Prompted { get; }

    /// <summary>The task id of every row (0 without a prompt).</summary>
    public long TaskId { get; }

    /// <summary>The backbone's device; inputs built on the CPU are moved here (a no-op when it is the CPU).</summary>
    public Device Device => Backbone.SharedWeight.device;

    /// <summary>Switches to eval mode (dropout off), as HF's evaluation loop does.</summary>
    public void Eval()
    {
        if (Prompted is not null) Prompted.Train(false);
        else Backbone.eval();
    }

    /// <summary>Greedy decoding: sequences [B, 1+n] starting with the decoder start token (no gradients).</summary>
    public Tensor Generate(Tensor inputIds, Tensor attentionMask, int maxNewTokens)
    {
        using var scope = NewDisposeScope();
        (inputIds, attentionMask) = (inputIds.to(Device), attentionMask.to(Device));
        GreedyOutput output;
        if (Prompted is null)
        {
            output = Backbone.Generate(inputIds, null, attentionMask, maxNewTokens);
        }
        else
        {
            using var taskIds = TaskIds(inputIds.shape[0]);
            output = Prompted.Generate(inputIds, attentionMask, taskIds, maxNewTokens);
        }
        return output.Sequences.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs the encoder once: the encoder output and the mask the decoder must use for cross-attention (with a prompt,
    /// the mask extended by l ones, as <see cref="PromptedT5.BuildEncoderInput"/>). Allocates in the caller's scope.
    /// </summary>
    public (T5EncoderOutput Output, Tensor CrossAttentionMask) Encode(Tensor inputIds, Tensor attentionMask)
    {
        (inputIds, attentionMask) = (inputIds.to(Device), attentionMask.to(Device));
        if (Prompted is null) return (Backbone.Encode(inputIds, null, attentionMask), attentionMask.alias());
        using var taskIds = TaskIds(inputIds.shape[0]);
        var (embeds, mask) = Prompted.BuildEncoderInput(inputIds, attentionMask, taskIds);
        return (Backbone.Encode(null, embeds, mask), mask);
    }

    /// <summary>The full forward pass with teacher forcing on <paramref name="labels"/> (logits [B, T, V]).</summary>
    public T5Seq2SeqOutput Forward(Tensor inputIds, Tensor attentionMask, Tensor labels)
    {
        (inputIds, attentionMask, labels) = (inputIds.to(Device), attentionMask.to(Device), labels.to(Device));
        if (Prompted is null) return Backbone.Forward(inputIds, null, attentionMask, null, labels);
        using var taskIds = TaskIds(inputIds.shape[0]);
        return Prompted.Forward(inputIds, attentionMask, taskIds, labels);
    }

    private Tensor TaskIds(long batch) => ScalarSafeOps.Full([batch], TaskId, ScalarType.Int64, Device);
}
