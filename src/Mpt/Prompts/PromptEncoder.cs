using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Prompts;

/// <summary>
/// A trainable soft-prompt generator for a frozen encoder-decoder model: given the task of every batch row it returns the
/// prompt rows that are prepended to that row's token embeddings, [P; X] (Wang et al. 2023, arXiv 2303.02861, §3
/// "prompt P ∈ R^{l×d} is prepended to the input embeddings").
/// </summary>
/// <remarks>
/// Every encoder takes task ids, also the single-task ones (which accept only task 0), so trainers and the model wrapper
/// never branch on the method — the lesson of PEFT's <c>peft_model.py</c>, where <c>if peft_type == ...</c> leaks into
/// shared code. Prompts are produced in float32 whatever the backbone dtype: the caller casts them at the concatenation,
/// as PEFT does (huggingface/peft#62), so Adam's state and the small u/v updates keep full precision.
/// </remarks>
public abstract class PromptEncoder : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the module; subclasses register their parameters in their own constructor.</summary>
    protected PromptEncoder(string name) : base(name) { }

    /// <summary>Number of prompt rows l (PEFT <c>num_virtual_tokens</c>).</summary>
    public abstract int NumVirtualTokens { get; }

    /// <summary>Width d of a prompt row, equal to the backbone's d_model (PEFT <c>token_dim</c>).</summary>
    public abstract int TokenDim { get; }

    /// <summary>Number of tasks the encoder can produce prompts for; valid task ids are 0 .. NumTasks-1.</summary>
    public abstract int NumTasks { get; }

    /// <summary>
    /// The trainable parameters in named groups (<see cref="PromptParameterGroupNames"/>), so an optimizer can give the
    /// shared prompt and the task-specific vectors different learning rates (the paper's "two-speed" target adaptation,
    /// §3.2: 0.3 for P*, 0.4 for u, v).
    /// </summary>
    public abstract IReadOnlyList<PromptParameterGroup> ParameterGroups();

    /// <summary>
    /// The encoder's tensors under their PEFT adapter names (<c>prompt_embeddings</c>, and for MPT
    /// <c>prefix_task_cols</c>, <c>prefix_task_rows</c>), detached copies in float32 — what <c>adapter_model.safetensors</c>
    /// holds (docs/method.md §5.2).
    /// </summary>
    public abstract IReadOnlyDictionary<string, Tensor> PeftTensors();

    /// <summary>
    /// Copies tensors with PEFT adapter names into the parameters. The set of names and every shape must match exactly
    /// (PEFT loads adapters strictly); values are converted to float32.
    /// </summary>
    /// <param name="tensors">Tensors by PEFT name.</param>
    /// <param name="source">Where the tensors come from, used in error messages (e.g. the adapter file path).</param>
    public abstract void LoadPeftTensors(IReadOnlyDictionary<string, Tensor> tensors, string source);

    /// <summary>
    /// Prompts for a batch: <paramref name="input"/> = task ids [B] (int64, each in 0..NumTasks-1);
    /// returns [B, l, d] float32.
    /// </summary>
    public abstract override Tensor forward(Tensor input);

    /// <summary>Number of trainable (requires_grad) values over all parameter groups.</summary>
    public long TrainableParameterCount() =>
        ParameterGroups().SelectMany(g => g.Parameters).Where(p => p.requires_grad).Sum(p => p.numel());

    /// <summary>
    /// Checks a task-id tensor: 1-D, int64, every id in range. Reading the range costs one host sync per batch, which is
    /// negligible next to a T5 forward and turns PEFT's opaque <c>index_select</c> failure (PR #400 review) into a message.
    /// </summary>
    protected void ValidateTaskIds(Tensor taskIds)
    {
        if (taskIds.dim() != 1)
            throw new ArgumentException($"task ids must be a 1-D tensor [B], got shape [{string.Join(",", taskIds.shape)}].", nameof(taskIds));
        if (taskIds.dtype != ScalarType.Int64)
            throw new ArgumentException($"task ids must be int64, got {taskIds.dtype}.", nameof(taskIds));
        if (taskIds.shape[0] == 0) return;
        using var minTensor = taskIds.min();
        using var maxTensor = taskIds.max();
        long min = minTensor.item<long>(), max = maxTensor.item<long>();
        if (min < 0 || max >= NumTasks)
            throw new ArgumentOutOfRangeException(nameof(taskIds),
                $"task ids must lie in [0, {NumTasks - 1}] for this {GetType().Name} ({NumTasks} task(s)), got values in [{min}, {max}].");
    }

    /// <summary>Looks up a required PEFT tensor and checks its shape, naming the source on failure.</summary>
    protected static Tensor Require(IReadOnlyDictionary<string, Tensor> tensors, string name, long[] shape, string source)
    {
        if (!tensors.TryGetValue(name, out var t))
            throw new InvalidDataException($"{source}: missing tensor '{name}' (has: {string.Join(", ", tensors.Keys.Order(StringComparer.Ordinal))}).");
        if (!t.shape.SequenceEqual(shape))
            throw new InvalidDataException($"{source}: tensor '{name}' has shape [{string.Join(",", t.shape)}], expected [{string.Join(",", shape)}].");
        return t;
    }

    /// <summary>Rejects tensors that the encoder does not have (strict loading, as PEFT).</summary>
    protected static void RejectUnexpected(IReadOnlyDictionary<string, Tensor> tensors, IEnumerable<string> expected, string source)
    {
        var extra = tensors.Keys.Except(expected).Order(StringComparer.Ordinal).ToList();
        if (extra.Count > 0)
            throw new InvalidDataException($"{source}: unexpected tensor(s) {string.Join(", ", extra)} for a {{{string.Join(", ", expected)}}} prompt.");
    }
}
