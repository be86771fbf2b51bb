using Mpt.Model;
using Mpt.Prompts;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// The frozen teacher prompts of the κ source tasks stacked into one [κ, l, d] tensor, so that a mixed-task batch runs
/// through the teacher side in a single forward pass: row b gets the prompt of its own task, exactly what
/// the prompted model with that task's <see cref="SoftPrompt"/> would compute for it. The backbone is the
/// student's (shared, not loaded twice); the teacher pass runs without gradients and with dropout off.
/// </summary>
public sealed class TeacherPromptBank : IDisposable
{
    private readonly Tensor _prompts;

    /// <summary>Stacks copies of the teachers' prompts (teacher k = source task k).</summary>
    /// <exception cref="ArgumentException">No teachers, or teachers of different shapes.</exception>
    public TeacherPromptBank(IReadOnlyList<SoftPrompt> teachers)
    {
        if (teachers.Count == 0) throw new ArgumentException("need at least one teacher prompt.", nameof(teachers));
        var shape = teachers[0].Prompt.shape;
        for (int k = 1; k < teachers.Count; k++)
            if (!teachers[k].Prompt.shape.SequenceEqual(shape))
                throw new ArgumentException($"teacher {k} has shape [{string.Join(",", teachers[k].Prompt.shape)}] but teacher 0 has [{string.Join(",", shape)}]; all teachers need the same l and d.", nameof(teachers));
        using var scope = torch.NewDisposeScope();
        _prompts = torch.stack(teachers.Select(t => t.Prompt.detach()).ToList(), 0).clone().MoveToOuterDisposeScope().DetachFromDisposeScope();
    }

    /// <summary>Copies already-stacked teacher prompts [κ, l, d] (row k = source task k), e.g. for benchmarks.</summary>
    /// <exception cref="ArgumentException">The tensor is not [κ, l, d] with κ ≥ 1.</exception>
    public TeacherPromptBank(Tensor prompts)
    {
        if (prompts.dim() != 3 || prompts.shape[0] == 0)
            throw new ArgumentException($"teacher prompts must be [κ, l, d] with κ ≥ 1, got [{string.Join(",", prompts.shape)}].", nameof(prompts));
        using var scope = torch.NewDisposeScope();
        _prompts = prompts.detach().to(ScalarType.Float32).clone().MoveToOuterDisposeScope().DetachFromDisposeScope();
    }

    /// <summary>Number of teachers κ.</summary>
    public int Count => (int)_prompts.shape[0];

    /// <summary>Prompt length l.</summary>
    public int PromptLength => (int)_prompts.shape[1];

    /// <summary>Prompt width d.</summary>
    public int TokenDim => (int)_prompts.shape[2];

    /// <summary>Appends the teachers' shape and float32 values to <paramref name="hash"/> (identifies them, e.g. for a teacher-output cache file).</summary>
    public void AppendTo(System.Security.Cryptography.IncrementalHash hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        using var values = _prompts.detach().to(ScalarType.Float32, torch.CPU).contiguous();
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"teachers [{string.Join(",", values.shape)}]\n"));
        hash.AppendData(values.bytes);
    }

    /// <summary>
    /// The teacher prompt of every row, [B, l, d] (float32, no gradient), on the device of <paramref name="taskIds"/>.
    /// </summary>
    /// <remarks>
    /// The bank stays where its teachers were loaded (the CPU, for prompt files) while a batch's ids live on the
    /// model's device; index_select needs the index on the indexed tensor's device and of type int32/int64, so the ids
    /// are moved (and widened) here rather than by every caller, and the rows are returned next to the ids, where the
    /// caller compares or concatenates them. On one device both moves are no-ops.
    /// </remarks>
    public Tensor PromptsFor(Tensor taskIds) =>
        _prompts.index_select(0, taskIds.to(ScalarType.Int64, _prompts.device)).to(taskIds.device);

    /// <summary>
    /// Teacher forward pass on <paramref name="batch"/> (teacher forcing on its labels), no gradients, backbone in eval mode
    /// for the call (its previous mode is restored): the targets of the KL and hidden losses are deterministic.
    /// </summary>
    public T5Seq2SeqOutput Forward(T5ForConditionalGeneration backbone, PromptBatch batch, bool outputHiddenStates)
    {
        bool wasTraining = backbone.training;
        backbone.train(false);
        try
        {
            using var noGrad = torch.no_grad();
            var tokens = backbone.EmbedTokens(batch.InputIds);                                         // (B, S, D)
            var prompts = PromptsFor(batch.TaskIds).to(tokens.dtype, tokens.device);                                // (B, l, D)
            var embeds = torch.cat([prompts, tokens], 1);                                              // (B, l+S, D)
            var ones = torch.ones(batch.Size, PromptLength, batch.AttentionMask.dtype, batch.AttentionMask.device);
            var mask = torch.cat([ones, batch.AttentionMask], 1);                                      // (B, l+S)
            return backbone.Forward(null, embeds, mask, null, batch.Labels, outputHiddenStates);
        }
        finally
        {
            backbone.train(wasTraining);
        }
    }

    /// <summary>
    /// Teacher forward pass of any backbone: <paramref name="model"/> (the student's, whose own prompt is not used) run
    /// with the teacher rows of each row's task, no gradients, backbone dropout off for the call (its previous mode is
    /// restored), so the targets of the KL and hidden losses are deterministic.
    /// </summary>
    public PromptedOutput Forward(IPromptedModel model, PromptBatch batch, bool outputHiddenStates)
    {
        if (model.PromptLength != PromptLength)
            throw new ArgumentException($"the teachers have {PromptLength} prompt rows but the model expects {model.PromptLength}.", nameof(model));
        bool wasTraining = model.BackboneTraining;
        model.BackboneTraining = false;
        try
        {
            using var noGrad = torch.no_grad();
            return model.ForwardWithPrompts(batch, PromptsFor(batch.TaskIds), outputHiddenStates);
        }
        finally
        {
            model.BackboneTraining = wasTraining;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _prompts.Dispose();
}
