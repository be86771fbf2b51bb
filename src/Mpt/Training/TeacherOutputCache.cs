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
/// CPU: T5 rows are bitwise equal across paddings (tiny and t5-small shapes); MiniLM rows move by a few ulps (≤ 3.8e-6)
/// because its reductions over the sequence run over the padded length, which leaves loss terms within 1e-7
/// (docs/performance.md; the tests bound them by 1e-6).</para>
/// <para>Only what the losses read is stored: the hidden layers <see cref="HiddenLayers"/> selects (the final state by
/// default; block outputs 1..L for <see cref="HiddenLayers.All"/>; never the embedding output) and, without the hidden
/// term, none. Full-vocabulary T5 logits dominate: target_len × vocab floats per example (4 × 32128 × 4 B ≈ 0.5 MiB);
/// see docs/performance.md for t5-small/base and MiniLM figures and <see cref="Statistics"/> for the live count.</para>
/// </remarks>
public sealed class TeacherOutputCache : IDisposable
{
    private readonly Dictionary<TeacherCacheKey, CachedRow> _rows = new();
    private long _tensorBytes, _keyBytes, _hits, _misses;

    /// <summary>Creates an empty cache.</summary>
    /// <param name="hiddenStates">Whether the objective has a hidden-state term (so hidden states are cached).</param>
    /// <param name="layers">Which hidden states the term compares (only those are kept).</param>
    public TeacherOutputCache(bool hiddenStates, HiddenLayers layers = HiddenLayers.Final)
    {
        HiddenStates = hiddenStates;
        Layers = layers;
    }

    /// <summary>Whether hidden states are cached.</summary>
    public bool HiddenStates { get; }

    /// <summary>The hidden layers kept.</summary>
    public HiddenLayers Layers { get; }

    /// <summary>Size and hit counts so far.</summary>
    public TeacherCacheStatistics Statistics => new(_rows.Count, _tensorBytes, _keyBytes, _hits, _misses);

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
            if (!_rows.ContainsKey(keys[b]) && seen.Add(keys[b])) missing.Add(b);
        _misses += missing.Count;
        _hits += keys.Length - missing.Count;
        if (missing.Count > 0) Fill(teachers, model, batch, keys, missing);
        return Assemble(keys, student);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var row in _rows.Values) row.Dispose();
        _rows.Clear();
        _tensorBytes = 0;
        _keyBytes = 0;
    }

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
        for (int j = 0; j < missing.Count; j++)
        {
            int positions = LastNonzero(logitsMask.AsSpan(j * t, t)) + 1;
            var logits = Keep(output.Logits[j].narrow(0, 0, positions));                                    // (t_j, V)
            List<CachedStack>? stacks = null;
            if (HiddenStates)
            {
                stacks = [];
                foreach (var stack in output.HiddenStates!)
                {
                    long[] tokenMask = Host(stack.TokenMask[j].NotEqualTo(0).to(ScalarType.Int64));
                    int n = LastNonzero(tokenMask) + 1;
                    var states = new Tensor?[stack.States.Count];
                    for (int k = 0; k < states.Length; k++)
                        if (Needed(k, states.Length))
                            states[k] = Keep(stack.States[k][j].narrow(0, 0, stack.PromptLength + n));      // (l + n_j, d)
                    stacks.Add(new CachedStack(states, Keep(stack.TokenMask[j].narrow(0, 0, n)), stack.PromptLength));
                }
            }
            var key = keys[missing[j]];
            _rows.Add(key, new CachedRow(logits, stacks));
            _keyBytes += key.Bytes;
        }
    }

    private TeacherTargets Assemble(TeacherCacheKey[] keys, PromptedOutput student)
    {
        long t = student.Logits.shape[1], v = student.Logits.shape[2];
        var rows = keys.Select(k => _rows[k]).ToList();
        var logits = torch.stack(rows.Select(r =>
        {
            if (r.Logits.shape[1] != v)
                throw new InvalidOperationException($"a cached teacher row has {r.Logits.shape[1]} scores per position but the student has {v}.");
            return PadRows(r.Logits, t);
        }), 0);                                                                                                  // (B, T, V)
        if (!HiddenStates) return new TeacherTargets(logits, null);

        var studentStacks = student.HiddenStates!;
        var stacks = new List<HiddenStateStack>(studentStacks.Count);
        for (int i = 0; i < studentStacks.Count; i++)
        {
            var studentStack = studentStacks[i];
            if (rows.Any(r => r.Stacks!.Count != studentStacks.Count || r.Stacks[i].States.Length != studentStack.States.Count))
                throw new InvalidOperationException($"cached teacher rows and the student disagree on the number of hidden-state stacks or layers (stack {i}).");
            var states = new List<Tensor>(studentStack.States.Count);
            for (int k = 0; k < studentStack.States.Count; k++)
            {
                long width = studentStack.States[k].shape[1];
                if (Needed(k, studentStack.States.Count))
                    states.Add(torch.stack(rows.Select(r => PadRows(r.Stacks![i].States[k]!, width)), 0));      // (B, W, d)
                else
                    // A layer the loss skips: a zero view of the right shape keeps HiddenMse's shape checks, at no cost.
                    states.Add(torch.zeros(1, dtype: rows[0].Stacks![i].States.First(s => s is not null)!.dtype, device: studentStack.States[k].device).expand(studentStack.States[k].shape));
            }
            long maskWidth = studentStack.TokenMask.shape[1];
            var mask = torch.stack(rows.Select(r => PadRows(r.Stacks![i].TokenMask, maskWidth)), 0);             // (B, S_i)
            stacks.Add(new HiddenStateStack(states, mask, rows[0].Stacks![i].PromptLength));
        }
        return new TeacherTargets(logits, stacks);
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

    private Tensor Keep(Tensor view)
    {
        var owned = view.clone().DetachFromDisposeScope();
        _tensorBytes += owned.numel() * owned.ElementSize;
        return owned;
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

    private sealed record CachedStack(Tensor?[] States, Tensor TokenMask, int PromptLength);

    private sealed record CachedRow(Tensor Logits, IReadOnlyList<CachedStack>? Stacks) : IDisposable
    {
        public void Dispose()
        {
            Logits.Dispose();
            foreach (var stack in Stacks ?? [])
            {
                foreach (var s in stack.States) s?.Dispose();
                stack.TokenMask.Dispose();
            }
        }
    }
}
