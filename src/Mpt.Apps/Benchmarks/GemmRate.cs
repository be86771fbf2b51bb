using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Benchmarks;

/// <summary>
/// The machine's matrix-multiply rate as this process's libtorch delivers it: one (M × K)·(K × N) product timed with the
/// same thread count and dtype as the step it is compared with. A step's GFLOP/s divided by this rate says how close the
/// step runs to what the hardware and BLAS give for its dominant GEMM, which is the ceiling a step of frozen-backbone
/// GEMMs can reach (issue 17: "fraction of the GEMM peak").
/// </summary>
/// <param name="M">Rows of the left operand.</param>
/// <param name="K">Shared dimension.</param>
/// <param name="N">Columns of the right operand.</param>
/// <param name="Dtype">The operands' dtype.</param>
/// <param name="MsMedian">Median time of one product.</param>
public sealed record GemmRate(long M, long K, long N, ScalarType Dtype, double MsMedian)
{
    /// <summary>2·M·K·N FLOPs per product.</summary>
    public double FlopsPerProduct => 2.0 * M * K * N;

    /// <summary>GFLOP/s at the median time.</summary>
    public double GflopPerS => FlopsPerProduct / (MsMedian / 1000.0) / 1e9;

    /// <summary>
    /// The GEMM that dominates a T5 training step: the encoder feed-forward's first matrix, (B·N) × d_model times
    /// d_model × d_ff, where N = prompt + input positions.
    /// </summary>
    public static (long M, long K, long N) DominantShape(Model.T5Config config, int batch, int encoderLength) =>
        ((long)batch * encoderLength, config.DModel, config.DFf);

    /// <summary>Times <paramref name="repeats"/> products after <paramref name="warmup"/> unmeasured ones (each in its own dispose scope).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size or count below 1.</exception>
    public static GemmRate Measure(long m, long k, long n, ScalarType dtype, int warmup = 3, int repeats = 20, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Math.Min(m, Math.Min(k, n)), 1L);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        using var generator = new torch.Generator(seed);
        using var a = torch.randn([m, k], generator: generator).to(dtype);
        using var b = torch.randn([k, n], generator: generator).to(dtype);
        for (int i = 0; i < warmup; i++)
        {
            using var scope = torch.NewDisposeScope();
            _ = a.matmul(b);
        }
        var times = new List<double>(repeats);
        for (int i = 0; i < repeats; i++)
        {
            using var scope = torch.NewDisposeScope();
            var clock = Stopwatch.StartNew();
            _ = a.matmul(b);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return new GemmRate(m, k, n, dtype, StepStatistics.Median(times));
    }
}
