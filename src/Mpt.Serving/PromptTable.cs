using Mpt.Backbones;
using Mpt.Encoder;
using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Serving;

/// <summary>
/// What a <see cref="BatchingPredictor"/> serves at one moment: the task names, every task's prompt rows stacked per
/// prompt length, and (encoder backbones) the label embeddings of every task definition. Immutable once built; an adapter swap builds a new
/// one. Each queued row holds a reference to the table its request was queued with, so a request is answered wholly with
/// the prompts of one table (never a mix of old and new), and a table replaced by a swap is freed when its last row is done.
/// </summary>
internal sealed class PromptTable : IDisposable
{
    private readonly Dictionary<string, ServedTask> _byName;
    private readonly Dictionary<ServedTask, Slot> _slots = [];
    private readonly Dictionary<int, LengthGroup> _groups = [];
    private readonly EncoderRunBackbone.TaskSet? _set;
    private readonly int _encoderWidth;
    private int _references = 1;
    private bool _disposed;

    /// <summary>The table of every task of <paramref name="registry"/> now (the caller holds the one reference).</summary>
    public PromptTable(IRunBackbone backbone, PromptRegistry registry, int maxSourceLength, long generation)
    {
        Tasks = [.. registry.Tasks];
        _byName = new Dictionary<string, ServedTask>(registry.Names, StringComparer.Ordinal);
        Generation = generation;
        _encoderWidth = registry.Backbone.Fingerprint.Architecture.DModel;
        if (Tasks.Count == 0) return;
        // Task id k of the verbaliser = the k-th distinct task definition (aliases and seeds of one target share its labels).
        var definitions = Tasks.Select(t => t.Definition).DistinctBy(d => d.Name).ToList();
        var taskIds = definitions.Select((d, k) => (d.Name, k)).ToDictionary(p => p.Name, p => p.k, StringComparer.Ordinal);
        // An encoder scores with the similarity verbaliser (label embeddings); T5 scores label texts with its decoder (T5BatchForward).
        _set = backbone is EncoderRunBackbone encoder ? (EncoderRunBackbone.TaskSet)encoder.ForTasks(definitions) : null;
        try
        {
            using var noGrad = torch.no_grad();
            foreach (var byLength in Tasks.GroupBy(t => t.PromptLength))
            {
                var tasks = byLength.ToList();
                // Soft prompts: each task's rows P_k [l, d] stacked into one table [T, l, d] that a batch indexes with its
                // rows' positions. MPT prompts: P* once per shared prompt, u [T, l, r] and v [T, r, d] stacked; a batch
                // composes P* ∘ (u_k v_k) for its own rows only. Copies: a table outlives the modules it was built from.
                var dense = tasks.Where(t => t.Factors is null).ToList();
                Tensor? table = null;
                if (dense.Count > 0)
                    using (var scope = NewDisposeScope())
                        table = torch.cat(dense.Select(t => t.Prompt.call(torch.zeros(1, ScalarType.Int64))).ToArray(), 0).detach().MoveToOuterDisposeScope();
                var factored = tasks.Where(t => t.Factors is not null).GroupBy(t => t.Factors!.Shared).ToList();
                var groups = new List<FactorGroup>(factored.Count);
                foreach (var byShared in factored)
                    using (var scope = NewDisposeScope())
                        groups.Add(new FactorGroup(
                            byShared.Key.Module.SharedPrompt.detach().clone().MoveToOuterDisposeScope(),
                            torch.cat(byShared.Select(t => t.Factors!.Cols).ToArray(), 0).MoveToOuterDisposeScope(),
                            torch.cat(byShared.Select(t => t.Factors!.Rows).ToArray(), 0).MoveToOuterDisposeScope()));
                // The model only lends the backbone, verbaliser and prompt length to Score(batch, rows): the rows come from the table.
                var model = (PromptedEncoder?)_set?.PromptBackbone.WithPrompt(tasks[0].Prompt);
                model?.Train(false);
                _groups[byLength.Key] = new LengthGroup(table, groups, model, model?.CreateCollator(maxSourceLength));
                for (int i = 0; i < dense.Count; i++)
                    _slots[dense[i]] = new Slot(taskIds[dense[i].Definition.Name], byLength.Key, Dense, i, dense[i].Labels);
                for (int g = 0; g < factored.Count; g++)
                {
                    var members = factored[g].ToList();
                    for (int i = 0; i < members.Count; i++)
                        _slots[members[i]] = new Slot(taskIds[members[i].Definition.Name], byLength.Key, g, i, members[i].Labels);
                }
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

    /// <summary>
    /// The prompt rows [B, l, d] of <paramref name="tasks"/> (one per batch row, all of prompt length
    /// <paramref name="length"/>): row b is P_{t(b)}, gathered from the soft-prompt table or composed as
    /// P* ∘ (u_k v_k) (eq. 2, computed as <see cref="MultitaskPrompt.forward"/> does). Allocates in the caller's dispose scope.
    /// </summary>
    public Tensor PromptRows(int length, IReadOnlyList<ServedTask> tasks)
    {
        var group = _groups[length];
        var slots = tasks.Select(t => _slots[t]).ToList();
        var device = (group.Dense ?? group.Factored[0].Shared).device;
        if (slots.All(s => s.Source == Dense))
            return group.Dense!.index_select(0, torch.tensor(slots.Select(s => (long)s.Position).ToArray(), device: device));
        var rows = torch.empty(slots.Count, length, _encoderWidth, ScalarType.Float32, device);
        foreach (var bySource in slots.Select((s, b) => (Slot: s, Row: (long)b)).GroupBy(x => x.Slot.Source))
        {
            var at = torch.tensor(bySource.Select(x => x.Row).ToArray(), device: device);
            var positions = torch.tensor(bySource.Select(x => (long)x.Slot.Position).ToArray(), device: device);
            Tensor part;
            if (bySource.Key == Dense) part = group.Dense!.index_select(0, positions);
            else
            {
                var f = group.Factored[bySource.Key];
                part = f.Shared.unsqueeze(0).mul(f.Cols.index_select(0, positions).bmm(f.Rows.index_select(0, positions))); // (n, l, d)
            }
            rows.index_copy_(0, at, part);
        }
        return rows;
    }

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
        foreach (var g in _groups.Values)
        {
            g.Dense?.Dispose();
            foreach (var f in g.Factored)
            {
                f.Shared.Dispose();
                f.Cols.Dispose();
                f.Rows.Dispose();
            }
        }
        _groups.Clear();
        _set?.Dispose();
    }

    /// <summary><see cref="Slot.Source"/> of a soft prompt (its rows in the dense table).</summary>
    private const int Dense = -1;

    /// <summary>
    /// Where a task's prompt is: its verbaliser task id; its prompt length; <see cref="Dense"/> or the index of its
    /// shared-P* group; its position there; its labels.
    /// </summary>
    internal sealed record Slot(int TaskId, int Length, int Source, int Position, IReadOnlyList<string> Labels);

    /// <summary>MPT prompts of one P*: P* [l, d], u [T, l, r], v [T, r, d].</summary>
    internal sealed record FactorGroup(Tensor Shared, Tensor Cols, Tensor Rows);

    /// <summary>The prompts of one length: the soft prompts' rows [T, l, d] (null if none), the MPT groups, and for an
    /// encoder backbone a prompted encoder of that length and its collator (null for T5, whose forward is <see cref="T5BatchForward"/>).</summary>
    internal sealed record LengthGroup(Tensor? Dense, IReadOnlyList<FactorGroup> Factored, PromptedEncoder? EncoderModel, IBatchCollator? EncoderCollator)
    {
        /// <summary>The prompted encoder (encoder backbones only).</summary>
        public PromptedEncoder Model => EncoderModel ?? throw new InvalidOperationException("a T5 prompt table has no prompted encoder.");

        /// <summary>Its collator (encoder backbones only).</summary>
        public IBatchCollator Collator => EncoderCollator ?? throw new InvalidOperationException("a T5 prompt table has no encoder collator.");
    }
}
