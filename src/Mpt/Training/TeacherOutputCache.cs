using Mpt.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// Exact caching of the frozen teachers' outputs during MPT source training (issue 7, part 3). The teacher pass runs
/// the frozen backbone with a frozen teacher prompt, without gradients and with dropout off, so its scores and hidden
/// states for one example are a pure function of the example (task id, input ids, label ids): computed once on the
/// example's first batch, they are reused in every later epoch instead of running the teacher forward again.
/// </summary>
/// <remarks>
/// <para>The cache is per example, not per batch, because batches are re-drawn every epoch: each example keeps its
/// unpadded rows — the scores at its target positions, and the hidden states at its prompt positions plus its real
/// positions — and a batch is re-assembled by padding the rows to the student's shapes with zeros. The padded
/// positions are exactly the ones the losses mask out (a finite value times a zero mask), so the losses equal those
/// of a fresh teacher pass as long as the teacher gives a row the same values whatever batch it sits in. Measured on
/// CPU: with the explicit attention kernel T5 rows are bitwise equal across paddings (tiny and t5-small shapes); the
/// fused kernel (the default where attention dropout is off) can move a row by an ulp with the batch size, and MiniLM
/// rows move by a few ulps (≤ 3.8e-6) because its reductions over the sequence run over the padded length; either
/// leaves loss terms within 1e-7 (docs/performance.md; the tests bound them by 1e-6).</para>
/// <para>Only what the losses read is stored: the hidden layers <see cref="HiddenLayers"/> selects (the final state by
/// default; block outputs 1..L for <see cref="HiddenLayers.All"/>; never the embedding output) and, without the hidden
/// term, none. Full-vocabulary T5 logits dominate: target_len × vocab floats per example (4 × 32128 × 4 B ≈ 0.5 MiB);
/// see docs/performance.md for t5-small/base and MiniLM figures and <see cref="Statistics"/> for the live count.</para>
/// <para>For full-size source mixtures (issue 17 item 6) the rows can keep the scores as a top-k summary
/// (<see cref="TeacherTopK"/>: the k most probable tokens and the lumped mass of the rest, compared by
/// <see cref="DistillationLosses.LumpedLogitKl"/>, which states its error bound) and live in a memory-mapped file
/// (<see cref="OnDisk"/>) with only a small index in RAM. The hidden states are kept exact in either store.</para>
/// </remarks>
public sealed class TeacherOutputCache : IDisposable
{
    private readonly ITeacherRowStore _store;
    private long _hits, _misses;

    /// <summary>Creates an empty exact cache in RAM (full scores).</summary>
    /// <param name="hiddenStates">Whether the objective has a hidden-state term (so hidden states are cached).</param>
    /// <param name="layers">Which hidden states the term compares (only those are kept).</param>
    public TeacherOutputCache(bool hiddenStates, HiddenLayers layers = HiddenLayers.Final)
        : this(new MemoryTeacherRowStore(), new TeacherRowLayout(hiddenStates, layers))
    {
    }

    private TeacherOutputCache(ITeacherRowStore store, TeacherRowLayout layout)
    {
        if (layout.TopK is < 1) throw new ArgumentOutOfRangeException(nameof(layout), $"top-k must be at least 1, got {layout.TopK}.");
        if (!(layout.Temperature > 0)) throw new ArgumentOutOfRangeException(nameof(layout), $"temperature must be positive, got {layout.Temperature}.");
        _store = store;
        Layout = layout;
    }

    /// <summary>A cache in RAM with rows of <paramref name="layout"/>.</summary>
    public static TeacherOutputCache InMemory(TeacherRowLayout layout) => new(new MemoryTeacherRowStore(), layout);

    /// <summary>
    /// A cache whose rows (of <paramref name="layout"/>) live in the file <paramref name="path"/>: created, or reopened
    /// with the rows it already holds (see <see cref="DiskTeacherRowStore"/> for the format and its checks).
    /// </summary>
    /// <param name="path">The cache file (one per run and stage).</param>
    /// <param name="teachers">Identifies the teachers and backbone whose outputs the file holds (e.g. a hash of their
    /// values): a file made for other teachers is refused rather than mixed.</param>
    /// <param name="layout">What a row holds.</param>
    /// <param name="deleteOnDispose">Delete the file on dispose (a temporary cache).</param>
    /// <exception cref="InvalidDataException">The file is damaged or truncated, or holds other rows (the message names it).</exception>
    public static TeacherOutputCache OnDisk(string path, string teachers, TeacherRowLayout layout, bool deleteOnDispose = false) =>
        new(new DiskTeacherRowStore(path, $"teacher rows v1; {layout.Describe()}; teachers {teachers}", deleteOnDispose), layout);

    /// <summary>What a row holds.</summary>
    public TeacherRowLayout Layout { get; }

    /// <summary>Whether hidden states are cached.</summary>
    public bool HiddenStates => Layout.HiddenStates;

    /// <summary>The hidden layers kept.</summary>
    public HiddenLayers Layers => Layout.Layers;

    /// <summary>k of the top-k summary of the scores; null when full scores are kept (exact).</summary>
    public int? TopK => Layout.TopK;

    /// <summary>The temperature the top-k summary is made at.</summary>
    public double Temperature => Layout.Temperature;

    /// <summary>Size and hit counts so far.</summary>
    public TeacherCacheStatistics Statistics => new(_store.Count, _store.ValueBytes, _store.KeyBytes, _hits, _misses) { OnDisk = _store.OnDisk };

    /// <summary>
    /// The teacher targets of <paramref name="batch"/>: rows of examples seen before come from the cache; the others are
    /// computed in one teacher pass over just those rows (<see cref="TeacherPromptBank.Forward(IPromptedModel, PromptBatch, bool)"/>)
    /// and stored. The result is padded to the shapes of <paramref name="student"/> (the student's pass on the same
    /// batch) and allocated in the caller's dispose scope; the cached tensors themselves are never handed out.
    /// </summary>
    /// <exception cref="InvalidOperationException">The student output lacks hidden states the cache needs, or its shapes cannot hold a cached row.</exception>
    public TeacherTargets Targets(TeacherPromptBank teachers, IPromptedModel model, PromptBatch batch, PromptedOutput student)
    {
        if (HiddenStates && student.HiddenStates is null)
            throw new InvalidOperationException("the cache holds hidden states but the student output has none (call the student with outputHiddenStates).");
        var keys = Keys(batch);
        var missing = new List<long>();
        var seen = new HashSet<TeacherCacheKey>();
        for (int b = 0; b < keys.Length; b++)
            if (!_store.Contains(keys[b]) && seen.Add(keys[b])) missing.Add(b);
        _misses += missing.Count;
        _hits += keys.Length - missing.Count;
        if (missing.Count > 0) Fill(teachers, model, batch, keys, missing);
        return Assemble(keys, student);
    }

    /// <inheritdoc/>
    public void Dispose() => _store.Dispose();

    /// <summary>One content key per row: [task, n, ids[0..n), mask[0..n), types…, t, labels[0..t)], n and t the padded-free lengths.</summary>
    private static TeacherCacheKey[] Keys(PromptBatch batch)
    {
        int rows = (int)batch.Size, s = (int)batch.InputIds.shape[1], t = (int)batch.Labels.shape[1];
        long[] ids = Host(batch.InputIds), mask = Host(batch.AttentionMask), labels = Host(batch.Labels), tasks = Host(batch.TaskIds);
        long[]? types = batch.TokenTypeIds is null ? null : Host(batch.TokenTypeIds);
        var keys = new TeacherCacheKey[rows];
        for (int b = 0; b < rows; b++)
        {
            var maskRow = mask.AsSpan(b * s, s);
            int n = LastNonzero(maskRow) + 1;
            var labelRow = labels.AsSpan(b * t, t);
            int m = labelRow.Length;
            while (m > 0 && labelRow[m - 1] == DistillationLosses.IgnoreIndex) m--;
            var content = new List<long>(4 + 3 * n + m) { tasks[b], n };
            content.AddRange(ids.AsSpan(b * s, n).ToArray());
            content.AddRange(maskRow[..n].ToArray());
            if (types is null) content.Add(-1);
            else { content.Add(n); content.AddRange(types.AsSpan(b * s, n).ToArray()); }
            content.Add(m);
            content.AddRange(labelRow[..m].ToArray());
            keys[b] = new TeacherCacheKey([.. content]);
        }
        return keys;
    }

    private void Fill(TeacherPromptBank teachers, IPromptedModel model, PromptBatch batch, TeacherCacheKey[] keys, List<long> missing)
    {
        using var scope = torch.NewDisposeScope();
        // All rows new (every first-epoch batch): the teacher sees exactly the batch the uncached path would.
        var sub = missing.Count == batch.Size ? batch : Select(batch, missing);
        var output = teachers.Forward(model, sub, HiddenStates);
        long[] logitsMask = Host(output.LogitsMask.NotEqualTo(0).to(ScalarType.Int64));
        int t = (int)output.Logits.shape[1];
        var topK = TopK is { } k ? TeacherTopK.From(output.Logits, k, Temperature) : null;                       // (B', T, k)
        var rows = new List<(TeacherCacheKey, TeacherRow)>(missing.Count);
        for (int j = 0; j < missing.Count; j++)
        {
            int positions = LastNonzero(logitsMask.AsSpan(j * t, t)) + 1;
            var row = topK is null
                ? new TeacherRow(output.Logits[j].narrow(0, 0, positions), null, null)                              // (t_j, V)
                : new TeacherRow(null, new TeacherTopK(topK.Ids[j].narrow(0, 0, positions).to(ScalarType.Int32),    // (t_j, k)
                    topK.LogProbs[j].narrow(0, 0, positions), topK.TailLogMass[j].narrow(0, 0, positions)), null);
            if (HiddenStates)
            {
                var stacks = new List<CachedStack>();
                foreach (var stack in output.HiddenStates!)
                {
                    long[] tokenMask = Host(stack.TokenMask[j].NotEqualTo(0).to(ScalarType.Int64));
                    int n = LastNonzero(tokenMask) + 1;
                    var states = new Tensor?[stack.States.Count];
                    for (int layer = 0; layer < states.Length; layer++)
                        if (Needed(layer, states.Length))
                        {
                            var state = stack.States[layer][j].narrow(0, 0, stack.PromptLength + n);                       // (l + n_j, d)
                            // The hidden MSE reads teacher states in float32 whatever their dtype (DistillationLosses.HiddenMse).
                            states[layer] = Layout.HiddenBFloat16 ? state.to(ScalarType.BFloat16) : state;
                        }
                    stacks.Add(new CachedStack(states, stack.TokenMask[j].narrow(0, 0, n), stack.PromptLength));
                }
                row = row with { Stacks = stacks };
            }
            rows.Add((keys[missing[j]], row));
        }
        _store.Add(rows);
    }

    private TeacherTargets Assemble(TeacherCacheKey[] keys, PromptedOutput student)
    {
        using var scope = torch.NewDisposeScope();
        long t = student.Logits.shape[1], v = student.Logits.shape[2];
        var device = student.Logits.device;
        var rows = keys.Select(k => _store.Get(k)).ToList();
        Tensor Stack(Func<TeacherRow, Tensor> part, long length) =>
            torch.stack(rows.Select(r => PadRows(part(r).to(device), length)), 0);
        Tensor? logits = null;
        TeacherTopK? topK = null;
        if (TopK is null)
        {
            foreach (var r in rows)
                if (r.Logits is null || r.Logits.shape[1] != v)
                    throw new InvalidOperationException($"a cached teacher row has {r.Logits?.shape[1]} scores per position but the student has {v}.");
            logits = Stack(r => r.Logits!, t).MoveToOuterDisposeScope();                                          // (B, T, V)
        }
        else
        {
            if (rows.Any(r => r.TopK is null)) throw new InvalidOperationException("a cached teacher row has no top-k summary.");
            // Padded positions get log-probabilities 0 and a tail log-mass 0: finite, and masked out by the loss.
            topK = new TeacherTopK(Stack(r => r.TopK!.Ids, t).MoveToOuterDisposeScope(),                           // (B, T, k)
                Stack(r => r.TopK!.LogProbs, t).MoveToOuterDisposeScope(), Stack(r => r.TopK!.TailLogMass, t).MoveToOuterDisposeScope());
        }
        if (!HiddenStates) return new TeacherTargets(logits, null, topK);

        var studentStacks = student.HiddenStates!;
        var stacks = new List<HiddenStateStack>(studentStacks.Count);
        for (int i = 0; i < studentStacks.Count; i++)
        {
            var studentStack = studentStacks[i];
            if (rows.Any(r => r.Stacks is null || r.Stacks.Count != studentStacks.Count || r.Stacks[i].States.Length != studentStack.States.Count))
                throw new InvalidOperationException($"cached teacher rows and the student disagree on the number of hidden-state stacks or layers (stack {i}).");
            var states = new List<Tensor>(studentStack.States.Count);
            for (int k = 0; k < studentStack.States.Count; k++)
            {
                long width = studentStack.States[k].shape[1];
                if (Needed(k, studentStack.States.Count))
                    states.Add(Stack(r => r.Stacks![i].States[k]!, width).MoveToOuterDisposeScope());              // (B, W, d)
                else
                    // A layer the loss skips: a zero view of the right shape keeps HiddenMse's shape checks, at no cost.
                    states.Add(torch.zeros(1, dtype: rows[0].Stacks![i].States.First(s => s is not null)!.dtype, device: studentStack.States[k].device)
                        .expand(studentStack.States[k].shape).MoveToOuterDisposeScope());
            }
            var mask = Stack(r => r.Stacks![i].TokenMask, studentStack.TokenMask.shape[1]).MoveToOuterDisposeScope(); // (B, S_i)
            stacks.Add(new HiddenStateStack(states, mask, rows[0].Stacks![i].PromptLength));
        }
        return new TeacherTargets(logits, stacks, topK);
    }

    /// <summary>Whether layer <paramref name="k"/> of <paramref name="count"/> enters the loss (see <see cref="DistillationLosses.HiddenMse"/>).</summary>
    private bool Needed(int k, int count) => Layers == HiddenLayers.Final ? k == count - 1 : k >= 1;

    /// <summary>Zero-pads dimension 0 of <paramref name="row"/> to <paramref name="length"/> (a new tensor in the caller's scope).</summary>
    private static Tensor PadRows(Tensor row, long length)
    {
        long have = row.shape[0];
        if (have > length)
            throw new InvalidOperationException($"a cached teacher row has {have} positions but the batch has only {length}.");
        var pad = new long[2 * row.dim()];
        pad[^1] = length - have;                                     // functional.pad lists the last dimension first
        return torch.nn.functional.pad(row, pad);
    }

    private static PromptBatch Select(PromptBatch batch, List<long> rows)
    {
        var index = torch.tensor(rows.ToArray(), device: batch.InputIds.device);
        return new PromptBatch(batch.InputIds.index_select(0, index), batch.AttentionMask.index_select(0, index),
            batch.Labels.index_select(0, index), batch.TaskIds.index_select(0, index))
        {
            TokenTypeIds = batch.TokenTypeIds?.index_select(0, index),
        };
    }

    private static long[] Host(Tensor t)
    {
        using var cpu = t.to(ScalarType.Int64).cpu().contiguous();
        return cpu.data<long>().ToArray();
    }

    private static int LastNonzero(ReadOnlySpan<long> values)
    {
        for (int i = values.Length - 1; i >= 0; i--)
            if (values[i] != 0) return i;
        return -1;
    }
}
