using Mpt.Model;
using Mpt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Prompts;

/// <summary>
/// A frozen T5 with a trainable prompt encoder in front of its encoder: row b's encoder input is
/// [P_{task_b}; embed(input_ids_b)] and its attention mask gets l ones in front (Wang et al. 2023, §3; docs/method.md §2.1).
/// The prompt goes to the encoder only — the paper's placement, PEFT's <c>num_transformer_submodules = 1</c> — and the
/// extended mask is also the decoder's cross-attention mask, as in HF T5 given <c>inputs_embeds</c> with a longer mask.
/// </summary>
/// <remarks>
/// The prompt encoder works in float32 and its output is cast to the backbone dtype at the concatenation (PEFT does the
/// same, huggingface/peft#62), so a bf16 backbone trains fp32 prompt parameters. Every backbone parameter is frozen
/// (<c>requires_grad = false</c>) on construction: only prompt parameters can receive gradients.
/// All methods allocate in the caller's dispose scope.
/// </remarks>
public sealed class PromptedT5 : IPromptedModel
{
    /// <summary>Wraps <paramref name="backbone"/> and <paramref name="prompt"/>; freezes the backbone and moves the prompt
    /// to the backbone's device.</summary>
    /// <exception cref="ArgumentException">The prompt width differs from the backbone's d_model.</exception>
    public PromptedT5(T5ForConditionalGeneration backbone, PromptEncoder prompt)
    {
        if (prompt.TokenDim != backbone.Config.DModel)
            throw new ArgumentException(
                $"the prompt has width {prompt.TokenDim} but the model's d_model is {backbone.Config.DModel}: it was trained for another model.",
                nameof(prompt));
        Backbone = backbone;
        Prompt = prompt;
        foreach (var p in backbone.parameters()) p.requires_grad = false;
        var device = backbone.SharedWeight.device;
        if (prompt.parameters().Any(p => p.device != device)) prompt.to(device);
    }

    /// <summary>The frozen T5.</summary>
    public T5ForConditionalGeneration Backbone { get; }

    /// <summary>The trainable prompt encoder.</summary>
    public PromptEncoder Prompt { get; }

    /// <summary>Number of prompt rows l prepended to every input.</summary>
    public int PromptLength => Prompt.NumVirtualTokens;

    /// <summary>
    /// Sets training mode. The backbone follows the same mode, so its dropout (config dropout_rate) is active while
    /// training, as in HF/PEFT prompt tuning; its weights stay frozen either way.
    /// </summary>
    public void Train(bool training = true)
    {
        Backbone.train(training);
        Prompt.train(training);
    }

    /// <inheritdoc/>
    public bool BackboneTraining
    {
        get => Backbone.training;
        set => Backbone.train(value);
    }

    /// <summary>T5's collator: pad id and eos from the config, eos kept when truncating.</summary>
    public IBatchCollator CreateCollator(int maxSourceLength) =>
        new BatchCollator(Backbone.Config.PadTokenId, Backbone.Config.EosTokenId, maxSourceLength, device: Backbone.SharedWeight.device);

    /// <summary>
    /// The encoder input: inputs_embeds [B, l+S, D] = cat(prompts(taskIds) cast to the backbone dtype, embed(inputIds)) and
    /// the mask [B, l+S] = cat(ones(B, l), attentionMask).
    /// </summary>
    /// <param name="inputIds">Token ids [B, S] (int64).</param>
    /// <param name="attentionMask">[B, S], 1 = token, 0 = padding.</param>
    /// <param name="taskIds">Task of every row [B] (int64); all zeros for a single-task prompt.</param>
    public (Tensor InputsEmbeds, Tensor AttentionMask) BuildEncoderInput(Tensor inputIds, Tensor attentionMask, Tensor taskIds)
    {
        if (inputIds.dim() != 2)
            throw new ArgumentException($"inputIds must be [B, S], got [{string.Join(",", inputIds.shape)}].", nameof(inputIds));
        if (taskIds.dim() != 1 || taskIds.shape[0] != inputIds.shape[0])
            throw new ArgumentException($"taskIds must be [B] with B = {inputIds.shape[0]}, got [{string.Join(",", taskIds.shape)}].", nameof(taskIds));
        using var scope = NewDisposeScope();
        var prompts = Prompt.call(taskIds.to(Backbone.SharedWeight.device));                           // (B, l, D)
        var (embeds, mask) = EncoderInput(Backbone, inputIds, attentionMask, prompts);
        return (embeds.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The encoder input of rows with explicit prompt rows <paramref name="prompts"/> [B, l, d] (row b's own prompt,
    /// e.g. of its own task in a server's mixed batch): inputs_embeds [B, l+S, D] = cat(prompts cast to the backbone
    /// dtype, embed(inputIds)) and the mask [B, l+S] = cat(ones(B, l), attentionMask). The one place both
    /// <see cref="BuildEncoderInput"/> and <see cref="ForwardWithPrompts"/> build it. Allocates in the caller's scope.
    /// </summary>
    public static (Tensor InputsEmbeds, Tensor AttentionMask) EncoderInput(T5ForConditionalGeneration backbone, Tensor inputIds, Tensor attentionMask, Tensor prompts)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        var tokens = backbone.EmbedTokens(inputIds);                                                   // (B, S, D)
        var rows = prompts.to(tokens.dtype, tokens.device);                                            // (B, l, D)
        var embeds = torch.cat([rows, tokens], 1);                                                     // (B, l+S, D)
        var ones = torch.ones(inputIds.shape[0], prompts.shape[1], attentionMask.dtype, attentionMask.device);
        var mask = torch.cat([ones, attentionMask], 1);                                                // (B, l+S)
        return (embeds, mask);
    }

    /// <summary>
    /// Forward pass with the prompt. Decoder input: <paramref name="decoderInputIds"/> or shift_right(labels); loss =
    /// mean cross-entropy over labels != -100. Encoder outputs and hidden states cover the l prompt positions too.
    /// </summary>
    public T5Seq2SeqOutput Forward(Tensor inputIds, Tensor attentionMask, Tensor taskIds, Tensor? labels,
                                   Tensor? decoderInputIds = null, bool outputHiddenStates = false)
    {
        var (embeds, mask) = BuildEncoderInput(inputIds, attentionMask, taskIds);
        return Backbone.Forward(null, embeds, mask, decoderInputIds, labels, outputHiddenStates);
    }

    /// <summary>
    /// Forward pass with explicit prompt rows [B, l, d] (teacher forcing on the batch's labels): the same computation as
    /// <see cref="Forward"/> with the rows in place of <c>Prompt.call(taskIds)</c>. Logits are the decoder logits [B, T, V]
    /// at the label positions; hidden states are the encoder stack (l prompt positions first) and the decoder stack.
    /// </summary>
    public PromptedOutput ForwardWithPrompts(PromptBatch batch, Tensor prompts, bool outputHiddenStates)
    {
        var (embeds, mask) = EncoderInput(Backbone, batch.InputIds, batch.AttentionMask, prompts);
        var output = Backbone.Forward(null, embeds, mask, null, batch.Labels, outputHiddenStates);
        var targetMask = DistillationLosses.TargetMask(batch.Labels);                                  // (B, T)
        IReadOnlyList<HiddenStateStack>? stacks = outputHiddenStates
            ? [new HiddenStateStack(output.EncoderHiddenStates!, batch.AttentionMask, PromptLength),
               new HiddenStateStack(output.DecoderHiddenStates!, targetMask, 0)]
            : null;
        return new PromptedOutput(output.Loss!, output.Logits, targetMask, stacks);
    }

    /// <summary>Greedy generation with the prompt: per row the ids after the decoder start, up to and including eos.</summary>
    public IReadOnlyList<long[]> Predict(PromptBatch batch, int maxNewTokens)
    {
        using var scope = NewDisposeScope();
        var taskIds = PromptTuningObjective.StudentTaskIds(Prompt, batch);
        var sequences = Generate(batch.InputIds, batch.AttentionMask, taskIds, maxNewTokens).Sequences;
        long eos = Backbone.Config.EosTokenId;
        var result = new long[batch.Size][];
        for (int b = 0; b < result.Length; b++)
        {
            var ids = sequences[b].cpu().data<long>().ToArray().Skip(1).ToList();                          // drop the decoder start
            int end = ids.IndexOf(eos);
            result[b] = (end < 0 ? ids : ids.Take(end + 1)).ToArray();
        }
        return result;
    }

    /// <summary>Greedy decoding with the prompt (HF/PEFT generate rules; see <see cref="T5ForConditionalGeneration.Generate"/>).</summary>
    public GreedyOutput Generate(Tensor inputIds, Tensor attentionMask, Tensor taskIds, int maxNewTokens, bool returnStepLogits = false)
    {
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var (embeds, mask) = BuildEncoderInput(inputIds, attentionMask, taskIds);
        var output = Backbone.Generate(null, embeds, mask, maxNewTokens, returnStepLogits);
        output.Sequences.MoveToOuterDisposeScope();
        output.StepLogits?.MoveToOuterDisposeScope();
        return output;
    }
}
