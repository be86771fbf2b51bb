using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Model;

/// <summary>
/// The relative position bias of a frozen T5 stack, computed once and reused by every later forward pass.
/// bias[h, i, j] = table[bucket(j - i), h] depends only on the offset j - i (HF T5Attention.compute_bias), so the bias
/// of any (Tq, Tk, query offset) is a block of one square (1, H, L, L) bias with L ≥ max(offset + Tq, Tk): the cache
/// keeps that square, grows it (in steps of <see cref="Granularity"/>) when a longer input arrives, and returns views.
/// </summary>
/// <remarks>
/// Only a frozen table is cached: when it requires gradients every call looks the bias up afresh, so the gradient
/// reaches the table and a table being trained is never served stale values. The square is detached from every dispose
/// scope (it outlives the step that built it), built without gradient tracking, and freed by <see cref="Clear"/> or
/// <see cref="Dispose"/> (the owning module's disposal). The owner clears it whenever the table's values change while
/// frozen: a dtype or device move (<c>Module.to</c>) and a checkpoint load (an in-place <c>copy_</c>).
/// </remarks>
internal sealed class PositionBiasCache(Func<long, long, long, Tensor> lookUp) : IDisposable
{
    /// <summary>The square grows in multiples of this many positions, so inputs of slowly growing length (greedy
    /// decoding adds one position per step) rebuild it rarely.</summary>
    public const long Granularity = 64;

    private Tensor? _square;                                                   // (1, H, L, L), query offset 0

    /// <summary>Side L of the cached square, or 0 when nothing is cached.</summary>
    public long Length => _square?.shape[2] ?? 0;

    /// <summary>
    /// Bias (1, H, Tq, Tk) of queries at positions <paramref name="queryOffset"/>.. and keys 0..Tk-1 for the bias table
    /// <paramref name="table"/>: a view of the cached square when the table is frozen, else a fresh lookup.
    /// </summary>
    public Tensor Get(Tensor table, long queryLength, long keyLength, long queryOffset)
    {
        if (table.requires_grad)
        {
            Clear();
            return lookUp(queryLength, keyLength, queryOffset);
        }
        long needed = Math.Max(queryOffset + queryLength, keyLength);
        if (_square is null || _square.shape[2] < needed)
        {
            Clear();
            long side = (needed + Granularity - 1) / Granularity * Granularity;
            using var noGrad = torch.no_grad();
            using var scope = NewDisposeScope();
            _square = lookUp(side, side, 0).contiguous().DetachFromDisposeScope();
        }
        return _square.narrow(2, queryOffset, queryLength).narrow(3, 0, keyLength);
    }

    /// <summary>Frees the cached square; the next <see cref="Get"/> rebuilds it.</summary>
    public void Clear()
    {
        _square?.Dispose();
        _square = null;
    }

    /// <inheritdoc/>
    public void Dispose() => Clear();
}
