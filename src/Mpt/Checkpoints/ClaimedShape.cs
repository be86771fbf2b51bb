namespace Mpt.Checkpoints;

/// <summary>
/// The element count of a tensor shape read from a file, checked the way libtorch will use it. A shape is a claim by
/// the file, and a product that wraps around 64 bits (e.g. [2^32, 2^32] → 0) would pass a "bytes match the data" test.
/// A zero dimension hides the same overflow: [0, 2^40, 2^40] holds no elements, so the plain product is 0 and agrees
/// with an empty payload, but libtorch computes the strides (the products of the trailing sizes) when it builds the
/// view and aborts with "Stride calculation overflowed". So the check multiplies every size, counting a 0 as a 1,
/// and the element size too (byte offsets must fit as well); only then is the real count (0 if any size is 0) returned.
/// </summary>
internal static class ClaimedShape
{
    /// <summary>The number of elements of <paramref name="shape"/>, or null when a size is negative or the sizes (zeros
    /// counted as ones) times <paramref name="elementSize"/> exceed 64-bit signed arithmetic.</summary>
    public static long? ElementCount(IReadOnlyList<long> shape, int elementSize)
    {
        long strideProduct = Math.Max(elementSize, 1);
        bool empty = false;
        foreach (long size in shape)
        {
            if (size < 0) return null;
            if (size == 0) { empty = true; continue; }
            if (strideProduct > long.MaxValue / size) return null;
            strideProduct *= size;
        }
        return empty ? 0 : strideProduct / Math.Max(elementSize, 1);
    }
}
