using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Prompts;

/// <summary>
/// Plain prompt tuning (Lester et al. 2021; the MPT paper's Eq. 1 and its teachers, §3.1): one trainable prompt
/// P ∈ R^{l×d}, the same for every batch row. Its parameter is named <c>prompt_embeddings</c> like PEFT's
/// <c>PROMPT_TUNING</c> adapter. It is a single-task encoder: task ids must all be 0.
/// </summary>
public sealed class SoftPrompt : PromptEncoder
{
    private readonly Parameter _prompt;

    /// <summary>Creates the prompt from an initial matrix (see <see cref="PromptInit"/>); the values are copied.</summary>
    /// <param name="initialPrompt">[l, d] floating point.</param>
    public SoftPrompt(Tensor initialPrompt) : base(nameof(SoftPrompt))
    {
        // Parameter's constructor takes over (and invalidates) the tensor it is given: hand it a private copy.
        _prompt = new Parameter(PromptInit.FromTensor(initialPrompt));
        // The parameter lives as long as the module, not as long as the caller's dispose scope.
        _prompt.DetachFromDisposeScope();
        register_parameter(PeftPromptTensorNames.PromptEmbeddings, _prompt);
    }

    /// <summary>The prompt parameter P [l, d].</summary>
    public Parameter Prompt => _prompt;

    /// <inheritdoc/>
    public override int NumVirtualTokens => (int)_prompt.shape[0];

    /// <inheritdoc/>
    public override int TokenDim => (int)_prompt.shape[1];

    /// <inheritdoc/>
    public override int NumTasks => 1;

    /// <summary>Task ids [B] (all 0) → P broadcast to [B, l, d] (a view: P's gradient sums over rows).</summary>
    public override Tensor forward(Tensor input)
    {
        ValidateTaskIds(input);
        long batch = input.shape[0];
        return _prompt.unsqueeze(0).expand(batch, NumVirtualTokens, TokenDim); // (B, l, d)
    }

    /// <inheritdoc/>
    public override IReadOnlyList<PromptParameterGroup> ParameterGroups() =>
        [new PromptParameterGroup(PromptParameterGroupNames.Shared, [_prompt])];

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, Tensor> PeftTensors() =>
        new Dictionary<string, Tensor> { [PeftPromptTensorNames.PromptEmbeddings] = _prompt.detach().clone() };

    /// <inheritdoc/>
    public override void LoadPeftTensors(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        RejectUnexpected(tensors, [PeftPromptTensorNames.PromptEmbeddings], source);
        var p = Require(tensors, PeftPromptTensorNames.PromptEmbeddings, [NumVirtualTokens, TokenDim], source);
        using var noGrad = torch.no_grad();
        _prompt.copy_(p.to(ScalarType.Float32, torch.CPU));
    }

    /// <summary>A prompt with the shape and values of a PEFT <c>PROMPT_TUNING</c> adapter's tensors.</summary>
    public static SoftPrompt FromPeftTensors(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        RejectUnexpected(tensors, [PeftPromptTensorNames.PromptEmbeddings], source);
        if (!tensors.TryGetValue(PeftPromptTensorNames.PromptEmbeddings, out var p))
            throw new InvalidDataException($"{source}: missing tensor '{PeftPromptTensorNames.PromptEmbeddings}'.");
        using var copy = PromptInit.FromTensor(p, $"{source}: '{PeftPromptTensorNames.PromptEmbeddings}'");
        return new SoftPrompt(copy);
    }
}
