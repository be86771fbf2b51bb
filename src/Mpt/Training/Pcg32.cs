namespace Mpt.Training;

/// <summary>
/// PCG32 (O'Neill 2014, PCG-XSH-RR with 64-bit state): a small, fast generator whose whole state is two integers, so a
/// sampler using it can be checkpointed and resumed exactly — which <see cref="System.Random"/> cannot (its state is
/// not exposed) — and whose output is the same on every platform and .NET version.
/// </summary>
internal sealed class Pcg32
{
    private const ulong Multiplier = 6364136223846793005UL;
    private ulong _state;
    private ulong _increment;

    /// <summary>Seeds the generator as the reference <c>pcg32_srandom_r(seed, sequence)</c> does.</summary>
    public Pcg32(ulong seed, ulong sequence = 0)
    {
        _state = 0;
        _increment = (sequence << 1) | 1;
        NextUInt();
        _state += seed;
        NextUInt();
    }

    private Pcg32(ulong state, ulong increment, bool _)
    {
        _state = state;
        _increment = increment;
    }

    /// <summary>The generator's internal state (state, increment) for checkpoints.</summary>
    public (ulong State, ulong Increment) GetState() => (_state, _increment);

    /// <summary>Recreates a generator from <see cref="GetState"/> output.</summary>
    /// <exception cref="ArgumentException">The increment is even (not a state PCG32 can reach).</exception>
    public static Pcg32 FromState(ulong state, ulong increment)
    {
        if ((increment & 1) == 0) throw new ArgumentException($"PCG32 increment must be odd, got {increment}.", nameof(increment));
        return new Pcg32(state, increment, true);
    }

    /// <summary>Next uniformly distributed 32-bit value.</summary>
    public uint NextUInt()
    {
        ulong old = _state;
        _state = unchecked(old * Multiplier + _increment);
        uint xorShifted = (uint)(((old >> 18) ^ old) >> 27);
        int rotation = (int)(old >> 59);
        return (xorShifted >> rotation) | (xorShifted << (-rotation & 31));
    }

    /// <summary>Uniform integer in [0, bound), without modulo bias (rejection as in the reference <c>pcg32_boundedrand_r</c>).</summary>
    public int NextInt(int bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound), $"bound must be positive, got {bound}.");
        uint b = (uint)bound;
        uint threshold = unchecked(0u - b) % b;
        while (true)
        {
            uint r = NextUInt();
            if (r >= threshold) return (int)(r % b);
        }
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble()
    {
        ulong bits = ((ulong)NextUInt() << 32) | NextUInt();
        return (bits >> 11) * (1.0 / (1UL << 53));
    }
}
