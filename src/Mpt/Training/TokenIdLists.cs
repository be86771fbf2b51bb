using System.Runtime.InteropServices;

namespace Mpt.Training;

/// <summary>
/// Copying from the id lists a <see cref="TrainingExample"/> may hold (<see cref="TokenIdStore"/> views, arrays, lists or
/// any other <see cref="IReadOnlyList{T}"/>), so that the collators fill their padded batch arrays in one pass whatever
/// the examples were built from.
/// </summary>
internal static class TokenIdLists
{
    /// <summary>Copies ids [<paramref name="start"/>, start + destination.Length) of <paramref name="ids"/> into <paramref name="destination"/>.</summary>
    public static void CopyTo(IReadOnlyList<long> ids, int start, Span<long> destination)
    {
        switch (ids)
        {
            case ITokenIdSource source: source.CopyTo(start, destination); break;
            case long[] array: array.AsSpan(start, destination.Length).CopyTo(destination); break;
            case List<long> list: CollectionsMarshal.AsSpan(list).Slice(start, destination.Length).CopyTo(destination); break;
            default:
                for (int i = 0; i < destination.Length; i++) destination[i] = ids[start + i];
                break;
        }
    }
}
