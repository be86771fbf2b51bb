using System.Runtime.InteropServices;
using Mpt.Distributed;
using Mpt.Numerics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// The data-parallel parts of a <see cref="TrainingLoop"/> step when N MPI ranks train one prompt: every rank draws the
/// same global batch from the seeded source, collates its own contiguous slice of it, and the ranks' gradients are
/// summed so that every rank takes the optimizer step one process would take on the whole batch.
/// </summary>
/// <remarks>
/// <para>
/// Normalisation. Every loss term is a mean over some units of the batch (target tokens, compared positions, examples)
/// or a sum (<see cref="LossTerm"/>). For a mean, the whole batch's value is Σ_units ℓ / C with C the units of all
/// slices, which is Σ_r mean_r · c_r / C over the ranks' slice means mean_r and counts c_r. So each rank back-propagates
/// Σ_t w_t · mean_{r,t} · c_{r,t} / C_t, and the sum of the ranks' gradients is the gradient of the one-process loss
/// whatever the slices' sizes and token counts (averaging the ranks' mean losses would weight a short slice's tokens
/// more; a sum term needs no weight). The counts C_t are summed over the ranks first (one allreduce of a few floats,
/// latency only; HF transformers does the same for its <c>num_items_in_batch</c> across devices). A step therefore makes
/// two collective calls: the counts, and one allreduce of a single fused buffer holding every trained gradient, the
/// loss and its logged parts, and the stop flags (so every rank stops at the same step).
/// </para>
/// <para>
/// What differs from one process is the order of float additions (within a slice's mean and across ranks), and the
/// padding of each slice to its own longest row; docs/distributed.md gives the resulting tolerance.
/// </para>
/// </remarks>
public sealed class DataParallelStep
{
    private readonly IDataParallelGroup _group;
    private readonly IReadOnlyList<Parameter> _trained;
    private readonly long _gradientLength;
    private IReadOnlyList<string> _parts = [];
    private readonly List<float> _scalars = [];

    /// <summary>The data-parallel step of <paramref name="group"/>'s ranks over the <paramref name="trained"/> parameters (float32).</summary>
    public DataParallelStep(IDataParallelGroup group, IReadOnlyList<Parameter> trained)
    {
        _group = group;
        _trained = trained;
        foreach (var p in trained)
        {
            if (p.dtype != ScalarType.Float32)
                throw new InvalidOperationException($"data-parallel training sums float32 prompt gradients, but a trained parameter is {p.dtype}.");
        }
        _gradientLength = trained.Sum(p => p.numel());
    }

    /// <summary>Rank <paramref name="rank"/>'s rows [Start, Start + Count) of a batch of <paramref name="batchSize"/> rows over <paramref name="ranks"/> ranks: contiguous, sizes differing by at most one.</summary>
    public static (int Start, int Count) Slice(int batchSize, int ranks, int rank)
    {
        int quotient = batchSize / ranks, remainder = batchSize % ranks;
        return (rank * quotient + Math.Min(rank, remainder), quotient + (rank < remainder ? 1 : 0));
    }

    /// <summary>This rank's slice of the global batch <paramref name="batch"/>.</summary>
    /// <exception cref="InvalidOperationException">The batch has fewer rows than there are ranks.</exception>
    public IReadOnlyList<TrainingExample> SliceOf(IReadOnlyList<TrainingExample> batch)
    {
        if (batch.Count < _group.Size)
            throw new InvalidOperationException(
                $"a batch of {batch.Count} examples cannot be split over {_group.Size} MPI ranks (each needs at least one example per step): " +
                "raise loop.batch_size or start fewer ranks.");
        var (start, count) = Slice(batch.Count, _group.Size, _group.Rank);
        return batch.Skip(start).Take(count).ToList();
    }

    /// <summary>
    /// The loss this rank back-propagates for its slice of <paramref name="globalSize"/> examples (see the remarks), and
    /// the weighted loss and parts that the gradient allreduce sums into the whole batch's values.
    /// </summary>
    /// <param name="losses">The objective's losses on this rank's slice.</param>
    /// <param name="sliceSize">Examples in this rank's slice.</param>
    /// <param name="globalSize">Examples in the global batch.</param>
    public Tensor RankLoss(StepLosses losses, long sliceSize, long globalSize)
    {
        var terms = losses.Terms ?? [new LossTerm("", losses.Total, null, 1.0)];
        double exampleShare = (double)sliceSize / globalSize;
        // Term t's factor c_{r,t} / C_t; terms without Terms are example means (share known without communication).
        var factors = new double[terms.Count];
        var counted = Enumerable.Range(0, terms.Count).Where(t => terms[t].Positions is not null).ToList();
        if (losses.Terms is null) factors[0] = exampleShare;
        else
        {
            for (int t = 0; t < terms.Count; t++) factors[t] = 1.0;
            if (counted.Count > 0)
            {
                var local = counted.Select(t => (float)terms[t].Positions!.count_nonzero().item<long>()).ToArray();
                var global = (float[])local.Clone();
                _group.AllreduceSum(global);
                for (int i = 0; i < counted.Count; i++) factors[counted[i]] = global[i] > 0 ? local[i] / global[i] : 0.0;
            }
        }

        Tensor? total = null;
        double totalValue = 0;
        var partValues = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int t = 0; t < terms.Count; t++)
        {
            var term = terms[t].Mean.Times(terms[t].Weight * factors[t]);
            total = total is null ? term : total.Plus(term);
            double mean = Numerics.LossValue.Of(terms[t].Mean);
            totalValue += terms[t].Weight * factors[t] * mean;
            partValues[terms[t].Part] = partValues.GetValueOrDefault(terms[t].Part) + factors[t] * mean;
        }
        // Parts the terms do not cover (an objective without Terms) are weighted as example means.
        _parts = losses.Parts.Keys.ToList();
        _scalars.Clear();
        _scalars.Add((float)totalValue);
        foreach (var (name, value) in losses.Parts)
            _scalars.Add((float)(partValues.TryGetValue(name, out double v) ? v : exampleShare * Numerics.LossValue.Of(value)));
        // A zero-valued dependence on every trained parameter, so that each has a gradient to sum after backward.
        foreach (var p in _trained) total = total!.Plus(p.sum().Times(0.0));
        return total!;
    }

    /// <summary>
    /// Sums the ranks' gradients (written back into each parameter's gradient), losses and flags in one allreduce of a
    /// fused buffer; returns the whole batch's loss and parts, and for each flag whether any rank raised it.
    /// </summary>
    /// <param name="flags">Per-rank flags (e.g. a stop request) to combine with a logical or.</param>
    public (double Loss, Dictionary<string, double> Parts, bool[] Flags) AllreduceGradients(params bool[] flags)
    {
        using var scope = torch.NewDisposeScope();
        var flat = torch.cat(_trained.Select(p => p.grad is { } g ? g.flatten() : torch.zeros(p.numel(), ScalarType.Float32)).ToList());
        var buffer = new float[_gradientLength + _scalars.Count + flags.Length];
        flat.data<float>().CopyTo(buffer);
        _scalars.CopyTo(buffer, (int)_gradientLength);
        for (int i = 0; i < flags.Length; i++) buffer[_gradientLength + _scalars.Count + i] = flags[i] ? 1 : 0;
        _group.AllreduceSum(buffer);
        var summed = torch.tensor(buffer.AsSpan(0, (int)_gradientLength).ToArray());
        long offset = 0;
        foreach (var p in _trained)
        {
            p.grad!.copy_(summed.narrow(0, offset, p.numel()).view(p.shape));
            offset += p.numel();
        }
        int at = (int)_gradientLength;
        double loss = _scalars.Count > 0 ? buffer[at++] : double.NaN; // NaN: no RankLoss this step (a benchmark)
        var parts = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string name in _parts) parts[name] = buffer[at++];
        return (loss, parts, flags.Select((_, i) => buffer[at + i] > 0).ToArray());
    }

    /// <summary>Copies rank 0's values of the trained parameters to every rank (the initial prompt).</summary>
    public void BroadcastParameters()
    {
        using var scope = torch.NewDisposeScope();
        var values = new float[_gradientLength];
        if (_group.Rank == 0) torch.cat(_trained.Select(p => p.detach().flatten()).ToList()).data<float>().CopyTo(values);
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        _group.Broadcast(bytes);
        var received = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        var all = torch.tensor(received);
        long offset = 0;
        using (torch.no_grad())
        {
            foreach (var p in _trained)
            {
                p.copy_(all.narrow(0, offset, p.numel()).view(p.shape));
                offset += p.numel();
            }
        }
    }

    /// <summary>Runs <paramref name="compute"/> on rank 0 alone and gives its numbers to every rank (dev evaluation).</summary>
    /// <param name="count">Number of values (the same on every rank).</param>
    /// <param name="compute">The computation, called on rank 0 only.</param>
    public double[] FromRankZero(int count, Func<double[]> compute)
    {
        var values = _group.Rank == 0 ? compute() : new double[count];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        _group.Broadcast(bytes);
        return MemoryMarshal.Cast<byte, double>(bytes).ToArray();
    }

    /// <summary>
    /// Seeds torch's generator of a rank other than 0 for <paramref name="step"/> (a function of the seed, the rank and
    /// the step, so its dropout neither repeats rank 0's nor depends on where the run was resumed); rank 0 keeps the
    /// checkpointed generator of a single process.
    /// </summary>
    /// <param name="seed">The run's seed (<see cref="TrainingLoopOptions.Seed"/>).</param>
    /// <param name="step">The step about to run.</param>
    public void SeedRank(ulong seed, long step)
    {
        if (_group.Rank == 0) return;
        ulong derived = Pipeline.SeedDerivation.Derive(seed, $"data-parallel-rank-{_group.Rank}", step.ToString(System.Globalization.CultureInfo.InvariantCulture));
        torch.random.manual_seed(unchecked((long)derived));
    }

    /// <summary>Waits for every rank (after rank 0 wrote files the others read next).</summary>
    public void Barrier() => _group.Barrier();

    /// <summary>Whether this rank writes the run's files (rank 0).</summary>
    public bool Writes => _group.Rank == 0;
}
