using Mpt.Backbones;
using Mpt.Encoder;
using Mpt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Serving;

/// <summary>
/// What a <see cref="BatchingPredictor"/> serves at one moment: the task names, every task's prompt rows stacked per
/// prompt length, and the label embeddings of every task definition. Immutable once built; an adapter swap builds a new
/// one. Each queued row holds a reference to the table its request was queued with, so a request is answered wholly with
/// the prompts of one table (never a mix of old and new), and a table replaced by a swap is freed when its last row is done.
/// </summary>
internal sealed class PromptTable : IDisposable
{
    private readonly Dictionary<string, ServedTask> _byName;
    private readonly Dictionary<ServedTask, Slot> _slots = [];
    private readonly Dictionary<int, LengthGroup> _groups = [];
    private readonly EncoderRunBackbone.TaskSet? _set;
    private int _references = 1;
    private bool _disposed;

    /// <summary>The table of every task of <paramref name="registry"/> now (the caller holds the one reference).</summary>
    public PromptTable(EncoderRunBackbone encoder, PromptRegistry registry, int maxSourceLength, long generation)
    {
        Tasks = [.. registry.Tasks];
        _byName = new Dictionary<string, ServedTask>(registry.Names, StringComparer.Ordinal);
        Generation = generation;
        if (Tasks.Count == 0) return;
        // Task id k of the verbaliser = the k-th distinct task definition (aliases and seeds of one target share its labels).
        var definitions = Tasks.Select(t => t.Definition).DistinctBy(d => d.Name).ToList();
        var taskIds = definitions.Select((d, k) => (d.Name, k)).ToDictionary(p => p.Name, p => p.k, StringComparer.Ordinal);
        _set = (EncoderRunBackbone.TaskSet)encoder.ForTasks(definitions);
        try
        {
            using var noGrad = torch.no_grad();
            foreach (var byLength in Tasks.GroupBy(t => t.PromptLength))
            {
                var tasks = byLength.ToList();
                // Each task's prompt rows P_k [l, d] as the model computes them (a SoftPrompt's table; an MPT prompt's composed P̂_k),
                // stacked into one table [T_l, l, d] that a batch indexes with its rows' task positions.
                Tensor table;
                using (var scope = NewDisposeScope())
                    table = torch.cat(tasks.Select(t => t.Prompt.call(torch.zeros(1, ScalarType.Int64))).ToArray(), 0).detach().MoveToOuterDisposeScope();
                // The model only lends the backbone, verbaliser and prompt length to Score(batch, rows): the rows come from the table.
                var model = (PromptedEncoder)_set.PromptBackbone.WithPrompt(tasks[0].Prompt);
                model.Train(false);
                _groups[byLength.Key] = new LengthGroup(table, model, model.CreateCollator(maxSourceLength));
                for (int i = 0; i < tasks.Count; i++)
                    _slots[tasks[i]] = new Slot(taskIds[tasks[i].Definition.Name], byLength.Key, i, tasks[i].Labels);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Which swap built this table (0 = at start).</summary>
    public long Generation { get; }

    /// <summary>The tasks, in registration order.</summary>
    public IReadOnlyList<ServedTask> Tasks { get; }

    /// <summary>The prompt lengths present.</summary>
    public IEnumerable<int> Lengths => _groups.Keys;

    /// <summary>The task a name or alias resolves to, or null.</summary>
    public ServedTask? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Where <paramref name="task"/>'s prompt is.</summary>
    public Slot SlotOf(ServedTask task) => _slots[task];

    /// <summary>The prompts of length <paramref name="length"/>.</summary>
    public LengthGroup Group(int length) => _groups[length];

    /// <summary>Takes <paramref name="count"/> more references (one per queued row). Only while a reference is held.</summary>
    public void AddReferences(int count) => Interlocked.Add(ref _references, count);

    /// <summary>Gives back <paramref name="count"/> references; the last one frees the table.</summary>
    public void Release(int count = 1)
    {
        if (Interlocked.Add(ref _references, -count) == 0) Dispose();
    }

    /// <summary>Frees the tables and label embeddings.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var g in _groups.Values) g.Table.Dispose();
        _groups.Clear();
        _set?.Dispose();
    }

    /// <summary>Where a task's prompt is: its verbaliser task id, prompt length and row in that length's table; its labels.</summary>
    internal sealed record Slot(int TaskId, int Length, int TablePosition, IReadOnlyList<string> Labels);

    /// <summary>The prompts of one length: their table [T, l, d], a prompted encoder of that length, its collator.</summary>
    internal sealed record LengthGroup(Tensor Table, PromptedEncoder Model, IBatchCollator Collator);
}
