namespace Mpt.Numerics;

/// <summary>
/// How <see cref="GemmRate.Measure(long, long, long, IReadOnlyList{TorchSharp.torch.ScalarType}, GemmProbeOptions?, TorchSharp.torch.Device?)"/>
/// times a matrix product. One timed product of a few ms is at the mercy of the scheduler on a shared machine (single
/// products gave 96–415 GFLOP/s for the same fp32 shape here), so the probe warms up for a while (OpenMP threads
/// spinning, the CPU at its clock, the allocator and the BLAS/oneDNN kernel choice settled), times rounds of several
/// products, and reports the median round with its spread.
/// </summary>
public sealed record GemmProbeOptions
{
    /// <summary>Unmeasured products first, at least this many.</summary>
    public int WarmupProducts { get; init; } = 3;

    /// <summary>... and for at least this long (ms): the first products of a process pay thread start-up and kernel selection.</summary>
    public double MinWarmupMs { get; init; } = 200;

    /// <summary>Timed rounds per dtype; the rate is the median round's.</summary>
    public int Rounds { get; init; } = 11;

    /// <summary>A round repeats the product until it lasts at least this long (ms), so a tiny shape is not timed at the
    /// clock's resolution; the count is fixed after the warm-up from the last warm-up product's time.</summary>
    public double MinRoundMs { get; init; } = 30;

    /// <summary>Time budget per dtype (ms, warm-up included): past it a dtype stops after <see cref="MinRounds"/> rounds.
    /// bfloat16 without hardware support runs a t5-base-sized product for seconds; its few rounds already show it is slower.</summary>
    public double MaxMs { get; init; } = 6000;

    /// <summary>Rounds a dtype always gets, whatever the budget.</summary>
    public int MinRounds { get; init; } = 3;

    /// <summary>Seed of the operands (their values do not change the time of a dense product; fixed for repeatability).</summary>
    public ulong Seed { get; init; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count below 1 (warm-up: below 0), or a negative time.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupProducts, nameof(WarmupProducts));
        ArgumentOutOfRangeException.ThrowIfLessThan(Rounds, 1, nameof(Rounds));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinRounds, 1, nameof(MinRounds));
        ArgumentOutOfRangeException.ThrowIfNegative(MinWarmupMs, nameof(MinWarmupMs));
        ArgumentOutOfRangeException.ThrowIfNegative(MinRoundMs, nameof(MinRoundMs));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxMs, nameof(MaxMs));
    }
}
