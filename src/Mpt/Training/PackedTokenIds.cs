using System.Collections;
using System.Numerics;

namespace Mpt.Training;

/// <summary>A sequence of token ids stored in a <see cref="TokenIdStore"/>: a read-only view of one slice of a shared buffer.</summary>
/// <typeparam name="T">The stored width: ushort or int.</typeparam>
internal sealed class PackedTokenIds<T>(T[] buffer, int start, int count) : IReadOnlyList<long>, ITokenIdSource
    where T : unmanaged, IBinaryInteger<T>
{
    public long this[int index] =>
        (uint)index < (uint)count
            ? long.CreateTruncating(buffer[start + index])
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"index must lie in [0, {count}).");

    public int Count => count;

    public void CopyTo(int sourceStart, Span<long> destination)
    {
        if ((uint)sourceStart > (uint)count || destination.Length > count - sourceStart)
            throw new ArgumentOutOfRangeException(nameof(sourceStart), $"cannot copy {destination.Length} ids from position {sourceStart} of a sequence of {count}.");
        var source = buffer.AsSpan(start + sourceStart, destination.Length);
        for (int i = 0; i < source.Length; i++) destination[i] = long.CreateTruncating(source[i]);
    }

    public IEnumerator<long> GetEnumerator()
    {
        for (int i = 0; i < count; i++) yield return long.CreateTruncating(buffer[start + i]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
