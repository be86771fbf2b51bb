using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mpt.Encoder;

/// <summary>
/// Prompt tuning (Lester et al. 2021) and MPT (Wang et al. 2023) on a frozen BERT encoder such as all-MiniLM-L6-v2,
/// which has no LM head: the prompted input is classified by a <see cref="SimilarityVerbalizer"/> (docs/data.md, MiniLM).
/// </summary>
/// <remarks>
/// <para><b>Input.</b> Row b is <c>[P_b; [CLS] a [SEP] (b [SEP])]</c>: the l prompt rows go in front of [CLS] as input
/// embeddings, with attention mask 1 and token type 0. In front, because that is what prompt tuning does with
/// <c>inputs_embeds</c> on any HF model (PEFT prepends to the word embeddings) and it keeps the layout of the T5 path,
/// prompt positions first, so the hidden-state loss and its prompt-position option work unchanged.</para>
/// <para><b>Positions.</b> BERT adds absolute position embeddings to whatever embeddings it is given, over the whole
/// input (HF with <c>inputs_embeds</c>, <see cref="BertModel.ForwardEmbeddings"/>): the prompt takes positions 0..l-1 and
/// the text l..l+S-1, so l + S must stay within the 512 positions. The alternative — giving the text its usual
/// positions 0..S-1 and the prompt none — would need a position-free embedding path that BERT never saw; a shifted
/// text is something the trained prompt can adapt to, and at l = 20 the shift is small.</para>
/// <para><b>Pooling.</b> Mean over the input tokens ([CLS] and [SEP] included, prompt positions excluded unless
/// <see cref="PoolPromptPositions"/>), then L2 norm: sentence-transformers' pooling, the same the label embeddings use.</para>
/// <para><b>Outputs for MPT.</b> The task loss is the cross-entropy of the label scores; the distribution the logit KL
/// compares is the label scores ([B, 1, C], softmax over the row's task labels); the hidden states are the encoder's
/// (embedding output + every layer, prompt positions first).</para>
/// The prompt encoder works in float32 and is cast to the backbone dtype at the concatenation, as for T5, so a bf16
/// backbone trains fp32 prompt parameters. Every backbone parameter is frozen on construction. All methods allocate
/// in the caller's dispose scope.
/// </remarks>
public sealed class PromptedEncoder : IPromptedModel
{
    /// <summary>Wraps the frozen <paramref name="backbone"/> with <paramref name="prompt"/> and the label scorer.</summary>
    /// <param name="backbone">The BERT encoder (frozen here).</param>
    /// <param name="prompt">The trainable prompt encoder (d = hidden size).</param>
    /// <param name="verbalizer">Label embeddings of every task id the batches carry.</param>
    /// <param name="padTokenId">[PAD] id for the collator.</param>
    /// <param name="poolPromptPositions">Include the prompt positions in the mean pooling (default false).</param>
    /// <exception cref="ArgumentException">The prompt width differs from the hidden size, or l + 2 exceeds the positions.</exception>
    public PromptedEncoder(BertModel backbone, PromptEncoder prompt, SimilarityVerbalizer verbalizer, long padTokenId, bool poolPromptPositions = false)
    {
        if (prompt.TokenDim != backbone.Config.HiddenSize)
            throw new ArgumentException($"the prompt has width {prompt.TokenDim} but the encoder's hidden size is {backbone.Config.HiddenSize}: it was trained for another model.", nameof(prompt));
        if (prompt.NumVirtualTokens + 2 > backbone.Config.MaxPositions)
            throw new ArgumentException($"a prompt of {prompt.NumVirtualTokens} rows leaves no room for [CLS] and [SEP] in {backbone.Config.MaxPositions} positions.", nameof(prompt));
        Backbone = backbone;
        Prompt = prompt;
        Verbalizer = verbalizer;
        PadTokenId = padTokenId;
        PoolPromptPositions = poolPromptPositions;
        backbone.Freeze();
    }

    /// <summary>The frozen encoder.</summary>
    public BertModel Backbone { get; }

    /// <inheritdoc/>
    public PromptEncoder Prompt { get; }

    /// <summary>The label scorer.</summary>
    public SimilarityVerbalizer Verbalizer { get; }

    /// <summary>[PAD] id.</summary>
    public long PadTokenId { get; }

    /// <summary>Whether the prompt positions are part of the mean pooling.</summary>
    public bool PoolPromptPositions { get; }

    /// <inheritdoc/>
    public int PromptLength => Prompt.NumVirtualTokens;

    /// <inheritdoc/>
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

    /// <summary>A collator for this model's tasks; inputs are cut so that l + S fits BERT's position table.</summary>
    public IBatchCollator CreateCollator(int maxSourceLength) =>
        new EncoderBatchCollator(PadTokenId, Verbalizer.LabelCounts, Math.Min(maxSourceLength, Backbone.Config.MaxPositions - PromptLength),
                                 Backbone.parameters().First().device);

    /// <summary>
    /// The encoder input for prompt rows [B, l, D]: inputs_embeds [B, l+S, D] = cat(rows cast to the backbone dtype,
    /// word_embeddings(ids)), attention mask [B, l+S] with l ones in front, token types [B, l+S] with l zeros in front.
    /// </summary>
    public (Tensor InputsEmbeds, Tensor AttentionMask, Tensor TokenTypeIds) BuildInput(PromptBatch batch, Tensor prompts)
    {
        if (prompts.dim() != 3 || prompts.shape[0] != batch.Size || prompts.shape[1] != PromptLength)
            throw new ArgumentException($"prompt rows must be [B, l, d] = [{batch.Size}, {PromptLength}, {Backbone.Config.HiddenSize}], got [{string.Join(",", prompts.shape)}].", nameof(prompts));
        return BuildInput(Backbone, batch.InputIds, batch.AttentionMask, batch.TokenTypeIds, prompts);
    }

    /// <summary>
    /// HF's soft-prompt input for a BERT encoder (what PEFT passes as <c>inputs_embeds</c>): prompt rows [B, l, D] in
    /// front of <paramref name="backbone"/>'s word embeddings of <paramref name="inputIds"/> [B, S], the mask [B, l+S]
    /// with l ones in front, token types [B, l+S] with l zeros in front (all zeros when <paramref name="tokenTypeIds"/>
    /// is null). The model then adds position p to row p of the whole sequence (<see cref="BertEmbeddings.Forward"/>).
    /// </summary>
    public static (Tensor InputsEmbeds, Tensor AttentionMask, Tensor TokenTypeIds) BuildInput(
        BertModel backbone, Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds, Tensor prompts)
    {
        long b = inputIds.shape[0], l = prompts.shape[1];
        var tokens = backbone.WordEmbeddings(inputIds);                                                // (B, S, D)
        var embeds = torch.cat([prompts.to(tokens.dtype, tokens.device), tokens], 1);                 // (B, l+S, D)
        var mask = torch.cat([torch.ones(b, l, attentionMask.dtype, attentionMask.device), attentionMask], 1); // (B, l+S)
        var types = tokenTypeIds ?? torch.zeros_like(inputIds);
        var allTypes = torch.cat([torch.zeros(b, l, types.dtype, types.device), types], 1);           // (B, l+S)
        return (embeds, mask, allTypes);
    }

    /// <summary>
    /// Label scores cos(pool([P; x]), e_c) / τ [B, Cmax] and the encoder output for prompt rows [B, l, D].
    /// </summary>
    public (Tensor Scores, BertEncoderOutput Encoder) Score(PromptBatch batch, Tensor prompts)
    {
        var (embeds, mask, types) = BuildInput(batch, prompts);
        var encoded = Backbone.ForwardEmbeddings(embeds, mask, types);
        var poolMask = PoolPromptPositions
            ? mask
            : torch.cat([torch.zeros(batch.Size, PromptLength, mask.dtype, mask.device), batch.AttentionMask], 1); // (B, l+S)
        var pooled = MeanPooling.Normalized(encoded.LastHiddenState, poolMask);                        // (B, D)
        return (Verbalizer.Scores(pooled, batch.TaskIds), encoded);
    }

    /// <summary>
    /// Forward pass with explicit prompt rows: task loss = mean cross-entropy of the label index (labels [B, 1]) under
    /// the label scores; logits = the scores as [B, 1, Cmax]; hidden states = the encoder stack.
    /// </summary>
    public PromptedOutput ForwardWithPrompts(PromptBatch batch, Tensor prompts, bool outputHiddenStates)
    {
        if (batch.Labels.dim() != 2 || batch.Labels.shape[1] != 1)
            throw new ArgumentException($"a classifier batch has labels [B, 1] (the class index), got [{string.Join(",", batch.Labels.shape)}]; collate with CreateCollator.", nameof(batch));
        var (scores, encoded) = Score(batch, prompts);
        var loss = F.cross_entropy(scores, batch.Labels.select(1, 0));
        IReadOnlyList<HiddenStateStack>? stacks = outputHiddenStates
            ? [new HiddenStateStack(encoded.HiddenStates, batch.AttentionMask, PromptLength)]
            : null;
        return new PromptedOutput(loss, scores.unsqueeze(1), DistillationLosses.TargetMask(batch.Labels), stacks);
    }

    /// <summary>The argmax label of every row, with the model's own prompt (no gradient).</summary>
    public IReadOnlyList<long[]> Predict(PromptBatch batch, int maxNewTokens)
    {
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var prompts = Prompt.call(PromptTuningObjective.StudentTaskIds(Prompt, batch));
        var predicted = Score(batch, prompts).Scores.argmax(-1).cpu().data<long>().ToArray();
        return predicted.Select(c => new[] { c }).ToList();
    }
}
