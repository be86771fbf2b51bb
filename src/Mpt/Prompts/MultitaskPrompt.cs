using Mpt.Numerics;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Prompts;

/// <summary>
/// Multitask prompt decomposition, Wang et al. 2023 (arXiv 2303.02861) §3.1 Eq. (2): a shared prompt P* ∈ R^{l×d} and,
/// per task k, rank-r factors u_k ∈ R^{l×r}, v_k ∈ R^{r×d}; the prompt of task k is
/// <c>P̂_k = P* ∘ (u_k v_k)</c> (∘ = element-wise product; the paper's rank 1 is u_k ⊗ v_kᵀ, PEFT generalises to r).
/// </summary>
/// <remarks>
/// Parameter names and shapes are PEFT's <c>MultitaskPromptEmbedding</c> (src/peft/tuners/multitask_prompt_tuning/model.py):
/// <c>prompt_embeddings</c> [l, d] = P*, <c>prefix_task_cols</c> [T, l, r] = u, <c>prefix_task_rows</c> [T, r, d] = vᵀ.
/// Each batch row picks its own task, so mixed-task batches (source training, multi-target MPT*) need no special path.
/// </remarks>
public sealed class MultitaskPrompt : PromptEncoder
{
    private readonly Parameter _shared;
    private readonly Parameter _taskCols;
    private readonly Parameter _taskRows;

    /// <summary>Creates the module from explicit values (copied, converted to float32).</summary>
    /// <param name="sharedPrompt">P* [l, d].</param>
    /// <param name="taskCols">u [T, l, r].</param>
    /// <param name="taskRows">v [T, r, d].</param>
    public MultitaskPrompt(Tensor sharedPrompt, Tensor taskCols, Tensor taskRows) : base(nameof(MultitaskPrompt))
    {
        if (sharedPrompt.dim() != 2)
            throw new ArgumentException($"P* must be [l, d], got [{string.Join(",", sharedPrompt.shape)}].", nameof(sharedPrompt));
        long l = sharedPrompt.shape[0], d = sharedPrompt.shape[1];
        if (taskCols.dim() != 3 || taskCols.shape[1] != l)
            throw new ArgumentException($"prefix_task_cols must be [T, {l}, r], got [{string.Join(",", taskCols.shape)}].", nameof(taskCols));
        long t = taskCols.shape[0], r = taskCols.shape[2];
        if (t <= 0 || r <= 0)
            throw new ArgumentException($"prefix_task_cols needs at least one task and one rank, got [{string.Join(",", taskCols.shape)}].", nameof(taskCols));
        if (!taskRows.shape.SequenceEqual([t, r, d]))
            throw new ArgumentException($"prefix_task_rows must be [{t}, {r}, {d}] to match P* and prefix_task_cols, got [{string.Join(",", taskRows.shape)}].", nameof(taskRows));

        // Parameter's constructor invalidates the tensor it is given: always hand it a private float32 copy.
        _shared = new Parameter(Copy(sharedPrompt));
        _taskCols = new Parameter(Copy(taskCols));
        _taskRows = new Parameter(Copy(taskRows));
        // Parameters live as long as the module, not as long as the caller's dispose scope (a factory may run in one).
        _shared.DetachFromDisposeScope();
        _taskCols.DetachFromDisposeScope();
        _taskRows.DetachFromDisposeScope();
        register_parameter(PeftPromptTensorNames.PromptEmbeddings, _shared);
        register_parameter(PeftPromptTensorNames.PrefixTaskCols, _taskCols);
        register_parameter(PeftPromptTensorNames.PrefixTaskRows, _taskRows);
    }

    /// <summary>
    /// A fresh multitask prompt: P* from <paramref name="sharedPrompt"/> (see <see cref="PromptInit"/>; the paper samples
    /// vocabulary rows) and <paramref name="numTasks"/> task factor pairs of rank <paramref name="rank"/>.
    /// </summary>
    public static MultitaskPrompt Create(Tensor sharedPrompt, int numTasks, int rank = 1,
        TaskVectorInit taskVectorInit = TaskVectorInit.Ones, ulong seed = 0)
    {
        if (sharedPrompt.dim() != 2)
            throw new ArgumentException($"P* must be [l, d], got [{string.Join(",", sharedPrompt.shape)}].", nameof(sharedPrompt));
        using var scope = torch.NewDisposeScope();
        var (cols, rows) = TaskVectors(numTasks, (int)sharedPrompt.shape[0], rank, (int)sharedPrompt.shape[1], taskVectorInit, seed);
        return new MultitaskPrompt(sharedPrompt, cols, rows);
    }

    /// <summary>
    /// Target prompt(s) initialised from a trained source prompt (docs/method.md §2.6, §2.7): P* is copied; the τ =
    /// <paramref name="numTargets"/> targets (τ > 1 is multi-target MPT*, one shared P*) each start from the same u, v chosen
    /// by <paramref name="init"/>.
    /// </summary>
    /// <param name="source">The source prompt's PEFT tensors (e.g. read from its <c>adapter_model.safetensors</c>).</param>
    /// <param name="sourceName">Where the source comes from, for error messages.</param>
    /// <param name="init">Which source values the task factors start from.</param>
    /// <param name="numTargets">τ, the number of target tasks sharing P*.</param>
    /// <param name="sourceTask">The source task k for <see cref="TargetInit.ExactSourceTask"/> (PEFT <c>prompt_tuning_init_task</c>).</param>
    /// <param name="taskVectorInit">Fresh u, v for <see cref="TargetInit.OnlySourceShared"/>.</param>
    /// <param name="seed">Seed for <see cref="TaskVectorInit.PeftNormal"/> under <see cref="TargetInit.OnlySourceShared"/>.</param>
    public static MultitaskPrompt FromSource(IReadOnlyDictionary<string, Tensor> source, string sourceName, TargetInit init,
        int numTargets = 1, int sourceTask = 0, TaskVectorInit taskVectorInit = TaskVectorInit.Ones, ulong seed = 0)
    {
        if (numTargets <= 0) throw new ArgumentOutOfRangeException(nameof(numTargets), $"need at least one target task, got {numTargets}.");
        using var scope = torch.NewDisposeScope();
        using var src = FromPeftTensors(source, sourceName);
        var shared = src._shared.detach();
        int l = src.NumVirtualTokens, d = src.TokenDim, r = src.Rank;
        Tensor cols, rows;
        switch (init)
        {
            case TargetInit.AverageSourceTasks:
                // PEFT model.py L87-88: cols.mean(0, keepdim=True) and rows.mean(0, keepdim=True), averaged separately.
                cols = src._taskCols.detach().mean([0], keepdim: true);
                rows = src._taskRows.detach().mean([0], keepdim: true);
                break;
            case TargetInit.ExactSourceTask:
                if (sourceTask < 0 || sourceTask >= src.NumTasks)
                    throw new ArgumentOutOfRangeException(nameof(sourceTask), $"{sourceName}: source task {sourceTask} does not exist (the source has {src.NumTasks} tasks).");
                cols = src._taskCols.detach().narrow(0, sourceTask, 1);
                rows = src._taskRows.detach().narrow(0, sourceTask, 1);
                break;
            case TargetInit.OnlySourceShared:
                (cols, rows) = TaskVectors(1, l, r, d, taskVectorInit, seed);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(init), init, "unknown target init.");
        }
        return new MultitaskPrompt(shared, cols.expand(numTargets, l, r), rows.expand(numTargets, r, d));
    }

    /// <summary>Target prompt(s) from a source module; see the tensor overload.</summary>
    public static MultitaskPrompt FromSource(MultitaskPrompt source, TargetInit init, int numTargets = 1, int sourceTask = 0,
        TaskVectorInit taskVectorInit = TaskVectorInit.Ones, ulong seed = 0)
    {
        var tensors = source.PeftTensors();
        try { return FromSource(tensors, "source prompt", init, numTargets, sourceTask, taskVectorInit, seed); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }

    /// <summary>A module with the shapes and values of a PEFT <c>MULTITASK_PROMPT_TUNING</c> adapter's tensors.</summary>
    public static MultitaskPrompt FromPeftTensors(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        RejectUnexpected(tensors, AdapterNames, source);
        foreach (var name in AdapterNames)
            if (!tensors.ContainsKey(name))
                throw new InvalidDataException($"{source}: missing tensor '{name}' (has: {string.Join(", ", tensors.Keys.Order(StringComparer.Ordinal))}).");
        try
        {
            return new MultitaskPrompt(tensors[PeftPromptTensorNames.PromptEmbeddings],
                tensors[PeftPromptTensorNames.PrefixTaskCols], tensors[PeftPromptTensorNames.PrefixTaskRows]);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    /// <summary>P* [l, d] (PEFT <c>prompt_embeddings</c>).</summary>
    public Parameter SharedPrompt => _shared;

    /// <summary>u [T, l, r] (PEFT <c>prefix_task_cols</c>).</summary>
    public Parameter TaskCols => _taskCols;

    /// <summary>vᵀ [T, r, d] (PEFT <c>prefix_task_rows</c>).</summary>
    public Parameter TaskRows => _taskRows;

    /// <inheritdoc/>
    public override int NumVirtualTokens => (int)_shared.shape[0];

    /// <inheritdoc/>
    public override int TokenDim => (int)_shared.shape[1];

    /// <inheritdoc/>
    public override int NumTasks => (int)_taskCols.shape[0];

    /// <summary>Rank r of the task factors (the paper: 1; PEFT <c>num_ranks</c>).</summary>
    public int Rank => (int)_taskCols.shape[2];

    /// <summary>Task ids [B] → P̂_{task_ids[b]} = P* ∘ (u_t v_t) for every row b, [B, l, d] (Eq. 2).</summary>
    public override Tensor forward(Tensor input)
    {
        ValidateTaskIds(input);
        // Disposing the intermediates' handles is safe for autograd (libtorch keeps what the backward pass needs).
        using var cols = _taskCols.index_select(0, input); // (B, l, r)
        using var rows = _taskRows.index_select(0, input); // (B, r, d)
        using var w = cols.bmm(rows);                      // (B, l, d): W_t = u_t v_t, a sum of r outer products
        using var shared = _shared.unsqueeze(0);           // (1, l, d)
        return shared.mul(w);                              // (B, l, d): P* ∘ W_t (PEFT model.py L117)
    }

    /// <summary>
    /// The prompt of one task compressed to a single l × d matrix, P̂_k (the paper's footnote 2): what a plain
    /// prompt-tuning adapter holds. A detached float32 copy.
    /// </summary>
    public Tensor ComposedPrompt(int task)
    {
        if (task < 0 || task >= NumTasks)
            throw new ArgumentOutOfRangeException(nameof(task), $"task {task} does not exist ({NumTasks} tasks).");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return forward(torch.tensor(new long[] { task }, device: _shared.device)).squeeze(0).detach().clone().MoveToOuterDisposeScope();
    }

    /// <summary>The composed prompts of all tasks, [T, l, d] (PEFT golden <c>composed_prompts</c>).</summary>
    public Tensor ComposedPrompts()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return forward(ScalarSafeOps.Range(0, NumTasks, ScalarType.Int64, _shared.device)).detach().clone().MoveToOuterDisposeScope();
    }

    /// <summary>Exports one task's composed prompt as a plain prompt-tuning module (PEFT <c>PROMPT_TUNING</c> layout).</summary>
    public SoftPrompt ToSoftPrompt(int task)
    {
        using var prompt = ComposedPrompt(task);
        return new SoftPrompt(prompt);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<PromptParameterGroup> ParameterGroups() =>
    [
        new PromptParameterGroup(PromptParameterGroupNames.Shared, [_shared]),
        new PromptParameterGroup(PromptParameterGroupNames.TaskSpecific, [_taskCols, _taskRows]),
    ];

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, Tensor> PeftTensors() => new Dictionary<string, Tensor>
    {
        [PeftPromptTensorNames.PromptEmbeddings] = _shared.detach().clone(),
        [PeftPromptTensorNames.PrefixTaskCols] = _taskCols.detach().clone(),
        [PeftPromptTensorNames.PrefixTaskRows] = _taskRows.detach().clone(),
    };

    /// <inheritdoc/>
    public override void LoadPeftTensors(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        RejectUnexpected(tensors, AdapterNames, source);
        var p = Require(tensors, PeftPromptTensorNames.PromptEmbeddings, _shared.shape, source);
        var u = Require(tensors, PeftPromptTensorNames.PrefixTaskCols, _taskCols.shape, source);
        var v = Require(tensors, PeftPromptTensorNames.PrefixTaskRows, _taskRows.shape, source);
        using var noGrad = torch.no_grad();
        _shared.copy_(p.to(ScalarType.Float32, torch.CPU));
        _taskCols.copy_(u.to(ScalarType.Float32, torch.CPU));
        _taskRows.copy_(v.to(ScalarType.Float32, torch.CPU));
    }

    private static readonly string[] AdapterNames =
        [PeftPromptTensorNames.PromptEmbeddings, PeftPromptTensorNames.PrefixTaskCols, PeftPromptTensorNames.PrefixTaskRows];

    /// <summary>Fresh u [T, l, r] and v [T, r, d] for the given init.</summary>
    private static (Tensor Cols, Tensor Rows) TaskVectors(int numTasks, int l, int rank, int d, TaskVectorInit init, ulong seed)
    {
        if (numTasks <= 0) throw new ArgumentOutOfRangeException(nameof(numTasks), $"need at least one task, got {numTasks}.");
        if (rank <= 0) throw new ArgumentOutOfRangeException(nameof(rank), $"rank must be positive, got {rank}.");
        switch (init)
        {
            case TaskVectorInit.Ones:
                // u = 1, v = 1/r: (u v)[i, j] = Σ_r 1 · 1/r = 1, so P̂_k = P* at step 0 for every rank.
                return (torch.ones(numTasks, l, rank), torch.full([numTasks, rank, d], 1.0 / rank, ScalarType.Float32));
            case TaskVectorInit.PeftNormal:
                using (var generator = new torch.Generator(seed))
                {
                    var cols = torch.randn([numTasks, l, rank], ScalarType.Float32, generator: generator).Times(0.02);
                    var rows = torch.randn([numTasks, rank, d], ScalarType.Float32, generator: generator).Times(0.02);
                    return (cols, rows);
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(init), init, "unknown task-vector init.");
        }
    }

    private static Tensor Copy(Tensor t) => t.detach().to(ScalarType.Float32, torch.CPU).clone();
}
