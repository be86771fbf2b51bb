using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Numerics;

/// <summary>
/// The machine's matrix-multiply rate as this process's libtorch delivers it: one (M × K)·(K × N) product timed with the
/// thread count and dtype of the work it is compared with. A training step's GFLOP/s divided by this rate says how close
/// the step runs to what the hardware and BLAS give for its dominant GEMM (issue 17: "fraction of the GEMM peak"), and the
/// rates of two dtypes decide <c>model.dtype auto</c> (AutoDtype).
/// </summary>
/// <param name="M">Rows of the left operand.</param>
/// <param name="K">Shared dimension.</param>
/// <param name="N">Columns of the right operand.</param>
/// <param name="Dtype">The operands' dtype.</param>
/// <param name="MsPerProduct">Time of one product (ms) over the timed rounds.</param>
public sealed record GemmRate(long M, long K, long N, ScalarType Dtype, TimingSummary MsPerProduct)
{
    /// <summary>2·M·K·N FLOPs per product.</summary>
    public double FlopsPerProduct => 2.0 * M * K * N;

    /// <summary>GFLOP/s of the median round: the rate.</summary>
    public double GflopPerS => GflopPerSAt(MsPerProduct.Median);

    /// <summary>GFLOP/s over the rounds (median, quartiles, extremes).</summary>
    public TimingSummary GflopPerSSpread => MsPerProduct.MapDecreasing(GflopPerSAt);

    private double GflopPerSAt(double ms) => FlopsPerProduct / (ms / 1000.0) / 1e9;

    /// <summary>
    /// The GEMM that dominates a T5 training step: the encoder feed-forward's first matrix, (B·N) × d_model times
    /// d_model × d_ff, where N = prompt + input positions.
    /// </summary>
    public static (long M, long K, long N) DominantShape(Model.T5Config config, int batch, int encoderLength) =>
        ((long)batch * encoderLength, config.DModel, config.DFf);

    /// <summary>Measures one dtype (<see cref="Measure(long, long, long, IReadOnlyList{ScalarType}, GemmProbeOptions?, Device?)"/>).</summary>
    public static GemmRate Measure(long m, long k, long n, ScalarType dtype, GemmProbeOptions? options = null, Device? device = null) =>
        Measure(m, k, n, [dtype], options, device)[0];

    /// <summary>
    /// Measures the product in each dtype: each warms up, then the dtypes' rounds alternate (A B A B …), so a
    /// disturbance or a drift of the machine's speed hits all of them alike rather than whichever ran last. Every
    /// product runs in its own dispose scope; on a CUDA device each round ends with a synchronisation.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1, or invalid options.</exception>
    /// <exception cref="ArgumentException">No dtype, or the same dtype twice.</exception>
    public static IReadOnlyList<GemmRate> Measure(long m, long k, long n, IReadOnlyList<ScalarType> dtypes, GemmProbeOptions? options = null, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Math.Min(m, Math.Min(k, n)), 1L);
        ArgumentNullException.ThrowIfNull(dtypes);
        if (dtypes.Count == 0 || dtypes.Distinct().Count() != dtypes.Count) throw new ArgumentException("give each dtype once.", nameof(dtypes));
        options ??= new GemmProbeOptions();
        options.Validate();
        device ??= torch.CPU;
        var probes = new List<Probe>(dtypes.Count);
        try
        {
            using (var scope = torch.NewDisposeScope())
            {
                using var generator = new torch.Generator(options.Seed);
                var a = torch.randn([m, k], generator: generator);
                var b = torch.randn([k, n], generator: generator);
                foreach (var dtype in dtypes)
                    probes.Add(new Probe(dtype, a.to(dtype, device).MoveToOuterDisposeScope(), b.to(dtype, device).MoveToOuterDisposeScope(), device));
            }
            foreach (var probe in probes) probe.WarmUp(options);
            while (probes.Any(p => !p.Done(options)))
                foreach (var probe in probes.Where(p => !p.Done(options))) probe.TimeRound();
            return [.. probes.Select(p => new GemmRate(m, k, n, p.Dtype, TimingSummary.Of(p.MsPerProduct)))];
        }
        finally
        {
            foreach (var probe in probes) probe.Dispose();
        }
    }

    /// <summary>One dtype's operands, clock and timed rounds.</summary>
    private sealed class Probe(ScalarType dtype, Tensor a, Tensor b, Device device) : IDisposable
    {
        private readonly Stopwatch _spent = new();
        private int _productsPerRound = 1;

        public ScalarType Dtype => dtype;

        public List<double> MsPerProduct { get; } = [];

        /// <summary>Untimed products until both the count and the time of the warm-up are reached (or half the budget
        /// is spent after two), then the products per round from the last one's time.</summary>
        public void WarmUp(GemmProbeOptions options)
        {
            _spent.Start();
            var clock = Stopwatch.StartNew();
            double lastMs = 0;
            for (int done = 0; ; done++)
            {
                bool enough = done >= options.WarmupProducts && clock.Elapsed.TotalMilliseconds >= options.MinWarmupMs;
                bool overBudget = done >= Math.Min(2, options.WarmupProducts) && clock.Elapsed.TotalMilliseconds >= options.MaxMs / 2;
                if (enough || overBudget) break;
                var one = Stopwatch.StartNew();
                Product();
                Sync();
                lastMs = one.Elapsed.TotalMilliseconds;
            }
            _spent.Stop();
            if (lastMs > 0) _productsPerRound = (int)Math.Clamp(Math.Ceiling(options.MinRoundMs / lastMs), 1, 100_000);
        }

        /// <summary>Whether the dtype has its rounds, or its minimum of rounds and no budget left.</summary>
        public bool Done(GemmProbeOptions options) =>
            MsPerProduct.Count >= options.Rounds || (MsPerProduct.Count >= options.MinRounds && _spent.Elapsed.TotalMilliseconds >= options.MaxMs);

        public void TimeRound()
        {
            _spent.Start();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < _productsPerRound; i++) Product();
            Sync();
            MsPerProduct.Add(clock.Elapsed.TotalMilliseconds / _productsPerRound);
            _spent.Stop();
        }

        private void Product()
        {
            using var scope = torch.NewDisposeScope();
            _ = a.matmul(b);
        }

        private void Sync()
        {
            if (device.type == DeviceType.CUDA) torch.cuda.synchronize(device);
        }

        public void Dispose()
        {
            a.Dispose();
            b.Dispose();
        }
    }
}
