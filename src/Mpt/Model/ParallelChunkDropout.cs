using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mpt.Model;

/// <summary>
/// Inverted dropout whose mask is drawn on several .NET threads (<see cref="DropoutKernel.ParallelChunks"/>):
/// out = x · m with m_i = 1/(1 − p) (kept, probability 1 − p, independently per element) or 0 (dropped). The mask is a
/// constant to autograd, so the gradient is grad · m, as for <c>F.dropout</c>.
/// </summary>
/// <remarks>
/// <para>Why: libtorch draws <c>F.dropout</c>'s mask on CPU with <c>bernoulli_(1 − p)</c>, a serial loop over one
/// generator (ATen <c>bernoulli_scalar_cpu_</c>); on a t5-small prompt-tuning step that is ≈ 80 ms per encoder layer
/// that does not shrink with threads while the matrix products do (docs/performance.md).</para>
/// <para>The random stream: per call, one 63-bit base seed is drawn from torch's default CPU generator (so
/// <c>torch.manual_seed</c> fixes every mask, and <c>get_rng_state</c>/<c>set_rng_state</c> — what training checkpoints
/// save — carry it across a resume). Element g of the row-major flattened mask uses the (g+1)-th output of a SplitMix64
/// generator (Steele, Lea and Flood 2014, "Fast splittable pseudorandom number generators"; the generator of Java's
/// <c>SplittableRandom</c>) started at Mix(base seed): output = Mix(origin + (g+1)·γ). SplitMix64 is counter-based, so
/// chunk c of <see cref="ChunkElements"/> elements starts from its own seed origin + c·<see cref="ChunkElements"/>·γ
/// (a jump ahead, so chunks never overlap) and chunks are filled independently on the thread pool. The mask is
/// therefore a function of (base seed, shape, p) only: the same for any torch or .NET thread count.</para>
/// <para>An element is kept when its 64-bit output is below (1 − p)·2^64, so the keep probability is 1 − p to within
/// 2^-53. The kept value is computed by libtorch as <c>ones(dtype).div_(1 − p)</c>, the very value <c>F.dropout</c>'s
/// mask holds, so kept outputs round exactly as with <see cref="DropoutKernel.Exact"/>.</para>
/// <para>Scope: CPU tensors of a floating dtype (float32, bfloat16, float16, float64). Eval mode, p = 0, p = 1, empty
/// tensors and every other device or dtype go to <c>F.dropout</c> unchanged (no generator draw for the identity
/// cases). The workers touch only the mask's memory (no libtorch call, no tensor, no dispose scope), so nothing
/// competes with libtorch's own intra-op threads for the generator and nothing leaks per thread.</para>
/// </remarks>
public static class ParallelChunkDropout
{
    /// <summary>Elements per chunk, the unit of work of one thread (a constant: results never depend on threads).</summary>
    public const int ChunkElements = 1 << 16;

    // Tensor.bytes spans are int-long: masks are filled in segments of at most 2^27 elements (≤ 1 GiB at 8 bytes).
    private const long SegmentElements = 1L << 27;

    // SplitMix64's Weyl increment (the golden ratio scaled to 64 bits, odd).
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;

    private static readonly ConcurrentDictionary<(ScalarType, double), ulong> KeptBitsCache = new();

    /// <summary>
    /// Dropout of <paramref name="input"/> with drop probability <paramref name="p"/> in training mode; the identity
    /// (the input itself, as <c>F.dropout</c>) otherwise.
    /// </summary>
    /// <param name="input">Any shape; need not be contiguous (the mask is indexed in row-major order of the shape).</param>
    /// <param name="p">Drop probability in [0, 1].</param>
    /// <param name="training">False returns the input (eval mode).</param>
    /// <param name="maxDegreeOfParallelism">Threads filling the mask; null = torch's intra-op thread count. Does not
    /// change the result.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> outside [0, 1].</exception>
    public static Tensor Apply(Tensor input, double p, bool training, int? maxDegreeOfParallelism = null)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout probability must be in [0, 1].");
        if (!training || p == 0 || p == 1 || input.NumberOfElements == 0
            || input.device_type != DeviceType.CPU || !input.is_floating_point())
            return F.dropout(input, p, training);
        ulong baseSeed = DrawBaseSeed();
        using var mask = Mask(input.shape, input.dtype, p, baseSeed, maxDegreeOfParallelism ?? torch.get_num_threads());
        return input.mul(mask);
    }

    /// <summary>One 63-bit draw from torch's default CPU generator (advances it like any other random op).</summary>
    internal static ulong DrawBaseSeed()
    {
        using var draw = torch.randint(long.MaxValue, new long[] { 1 }, ScalarType.Int64);
        return (ulong)draw.item<long>();
    }

    /// <summary>
    /// The scaled mask of a call with base seed <paramref name="baseSeed"/>: a new contiguous CPU tensor of
    /// <paramref name="shape"/> and <paramref name="dtype"/> holding 0 or 1/(1 − p). The caller owns it.
    /// </summary>
    internal static Tensor Mask(long[] shape, ScalarType dtype, double p, ulong baseSeed, int maxDegreeOfParallelism)
    {
        if (maxDegreeOfParallelism < 1)
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), maxDegreeOfParallelism, "Must be at least 1.");
        ulong kept = KeptBits(dtype, p);
        ulong keepBelow = (ulong)((1.0 - p) * 18446744073709551616.0); // (1 − p)·2^64 < 2^64 because p > 0
        ulong origin = Mix(baseSeed);
        var mask = torch.empty(shape, dtype);
        try
        {
            int elementSize = (int)mask.ElementSize;
            long count = mask.NumberOfElements;
            var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
            using var flat = mask.view(-1);
            for (long segmentStart = 0; segmentStart < count; segmentStart += SegmentElements)
            {
                long segmentCount = Math.Min(SegmentElements, count - segmentStart);
                using var segment = flat.narrow(0, segmentStart, segmentCount);
                long firstChunk = segmentStart / ChunkElements;
                long chunks = (segmentCount + ChunkElements - 1) / ChunkElements;
                Parallel.For(0L, chunks, options, c =>
                {
                    long begin = c * ChunkElements;
                    int length = (int)Math.Min(ChunkElements, segmentCount - begin);
                    var bytes = segment.bytes.Slice((int)(begin * elementSize), length * elementSize);
                    ulong chunkSeed = ChunkSeed(origin, firstChunk + c);
                    switch (elementSize)
                    {
                        case 2: Fill(MemoryMarshal.Cast<byte, ushort>(bytes), chunkSeed, keepBelow, (ushort)kept); break;
                        case 4: Fill(MemoryMarshal.Cast<byte, uint>(bytes), chunkSeed, keepBelow, (uint)kept); break;
                        default: Fill(MemoryMarshal.Cast<byte, ulong>(bytes), chunkSeed, keepBelow, kept); break;
                    }
                });
            }
            return mask;
        }
        catch
        {
            mask.Dispose();
            throw;
        }
    }

    /// <summary>The generator state chunk <paramref name="chunk"/> starts from: the stream origin jumped ahead by
    /// chunk · <see cref="ChunkElements"/> outputs.</summary>
    internal static ulong ChunkSeed(ulong origin, long chunk) => origin + unchecked((ulong)chunk * ChunkElements * Gamma);

    /// <summary>SplitMix64's output function (the variant 13 finaliser of Stafford's MurmurHash3 mix): a bijection on
    /// 64-bit values whose outputs of consecutive Weyl states pass BigCrush.</summary>
    internal static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    // The fills below compute, for element i of a chunk, Mix(state + (i+1)·γ) < keepBelow and store kept or 0.
    // With AVX-512 they do it 8 lanes at a time (vpmullq), then narrow the 64-bit lane masks to the element width; the
    // scalar tail continues the same sequence, so the result does not depend on which path ran.

    private static void Fill(Span<ushort> destination, ulong state, ulong keepBelow, ushort kept)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var lanes = Lanes(state);
            var keep = Vector512.Create(keepBelow);
            var keptBits = Vector512.Create((ulong)kept);
            for (; i + 32 <= destination.Length; i += 32)
            {
                var low = Vector512.Narrow(Next(ref lanes, keep) & keptBits, Next(ref lanes, keep) & keptBits);
                var high = Vector512.Narrow(Next(ref lanes, keep) & keptBits, Next(ref lanes, keep) & keptBits);
                Vector512.Narrow(low, high).CopyTo(destination[i..]);
            }
            state += (ulong)i * Gamma;
        }
        for (; i < destination.Length; i++)
        {
            state += Gamma;
            // Branch-free select: a 10 % drop rate makes a branch mispredict often.
            destination[i] = (ushort)(kept & (0u - (Mix(state) < keepBelow ? 1u : 0u)));
        }
    }

    private static void Fill(Span<uint> destination, ulong state, ulong keepBelow, uint kept)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var lanes = Lanes(state);
            var keep = Vector512.Create(keepBelow);
            var keptBits = Vector512.Create((ulong)kept);
            for (; i + 16 <= destination.Length; i += 16)
                Vector512.Narrow(Next(ref lanes, keep) & keptBits, Next(ref lanes, keep) & keptBits).CopyTo(destination[i..]);
            state += (ulong)i * Gamma;
        }
        for (; i < destination.Length; i++)
        {
            state += Gamma;
            destination[i] = kept & (0u - (Mix(state) < keepBelow ? 1u : 0u));
        }
    }

    private static void Fill(Span<ulong> destination, ulong state, ulong keepBelow, ulong kept)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var lanes = Lanes(state);
            var keep = Vector512.Create(keepBelow);
            var keptBits = Vector512.Create(kept);
            for (; i + 8 <= destination.Length; i += 8)
                (Next(ref lanes, keep) & keptBits).CopyTo(destination[i..]);
            state += (ulong)i * Gamma;
        }
        for (; i < destination.Length; i++)
        {
            state += Gamma;
            destination[i] = kept & (0UL - (Mix(state) < keepBelow ? 1UL : 0UL));
        }
    }

    /// <summary>The states of the next 8 elements after <paramref name="state"/>: state + (j+1)·γ, j = 0..7.</summary>
    private static Vector512<ulong> Lanes(ulong state) =>
        Vector512.Create(1UL, 2, 3, 4, 5, 6, 7, 8) * Gamma + Vector512.Create(state);

    /// <summary>Keep masks (all ones = keep) of the 8 elements at <paramref name="lanes"/>, which then advance by 8.</summary>
    private static Vector512<ulong> Next(ref Vector512<ulong> lanes, Vector512<ulong> keepBelow)
    {
        var z = lanes;
        lanes += Vector512.Create(unchecked(8 * Gamma));
        z = (z ^ Vector512.ShiftRightLogical(z, 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ Vector512.ShiftRightLogical(z, 27)) * 0x94D049BB133111EBUL;
        z ^= Vector512.ShiftRightLogical(z, 31);
        return Vector512.LessThan(z, keepBelow);
    }

    /// <summary>The bit pattern of 1/(1 − p) in <paramref name="dtype"/>, computed by libtorch exactly as
    /// <c>F.dropout</c> scales its mask (<c>noise.div_(1 − p)</c>, ATen Dropout.cpp).</summary>
    private static ulong KeptBits(ScalarType dtype, double p) => KeptBitsCache.GetOrAdd((dtype, p), key =>
    {
        using var one = torch.ones(1, key.Item1);
        one.div_(1.0 - key.Item2);
        var bytes = one.bytes;
        return bytes.Length switch
        {
            2 => MemoryMarshal.Read<ushort>(bytes),
            4 => MemoryMarshal.Read<uint>(bytes),
            8 => MemoryMarshal.Read<ulong>(bytes),
            _ => throw new NotSupportedException($"Dropout masks of dtype {key.Item1} ({bytes.Length}-byte elements) are not supported."),
        };
    });
}
