using Mpt.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mpt.Tests.Model;

/// <summary>
/// <see cref="ParallelChunkDropout"/> and <see cref="BackboneDropout"/>: the exact kernel is <c>F.dropout</c> bit for
/// bit; the parallel kernel has dropout's distribution and scaling, its gradient, and a stream fixed by the torch seed
/// alone (not by thread counts, dtype or memory layout).
/// </summary>
public sealed class ParallelChunkDropoutTests
{
    private const double P = 0.1;

    private static Tensor Parallel(Tensor x, double p = P, int? threads = null) => ParallelChunkDropout.Apply(x, p, training: true, threads);

    private static bool BitwiseEqual(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.contiguous().bytes.SequenceEqual(b.contiguous().bytes);

    /// <summary>The value F.dropout scales kept elements by, as libtorch computes it (noise.div_(1 − p)).</summary>
    private static Tensor Scale(ScalarType dtype, double p = P) => torch.ones(1, dtype).div_(1 - p);

    /// <summary>Strictly positive values, so a dropped element (0) is never confused with a kept one.</summary>
    private static Tensor PositiveInput(long[] shape, ScalarType dtype = ScalarType.Float32) => (torch.rand(shape) + 0.5).to(dtype);

    [Fact]
    public void Exact_Kernel_Is_FDropout_Bit_For_Bit()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(64, 300);
        using var dropout = new BackboneDropout(P);
        dropout.train();
        Assert.Equal(DropoutKernel.Exact, dropout.Kernel);

        torch.manual_seed(123);
        var ours = dropout.call(x);
        torch.manual_seed(123);
        var reference = F.dropout(x, P, true);

        Assert.True(BitwiseEqual(reference, ours));
        Assert.True(ours.eq(0).any().item<bool>(), "some elements must be dropped");
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Keep_Rate_Is_One_Minus_P_Within_Five_Sigma(double p)
    {
        using var scope = torch.NewDisposeScope();
        long n = (1L << 22) + 12_345; // 65 chunks, the last one partial
        torch.manual_seed(5);
        var kept = Parallel(torch.ones(n), p).ne(0);

        double q = 1 - p;
        double sigma = Math.Sqrt(n * p * q);
        long count = kept.sum().item<long>();
        Assert.InRange(count, n * q - 5 * sigma, n * q + 5 * sigma);

        // Independence: disjoint neighbour pairs are both kept with probability q².
        long pairs = n / 2;
        var bothKept = kept.narrow(0, 0, 2 * pairs).view(pairs, 2).all(1).sum().item<long>();
        double pairSigma = Math.Sqrt(pairs * q * q * (1 - q * q));
        Assert.InRange(bothKept, pairs * q * q - 5 * pairSigma, pairs * q * q + 5 * pairSigma);

        // Consecutive chunks are not copies of each other: they agree on a position with probability q² + p².
        int c = ParallelChunkDropout.ChunkElements;
        long agree = kept.narrow(0, 0, c).eq(kept.narrow(0, c, c)).sum().item<long>();
        double agreeRate = q * q + p * p, agreeSigma = Math.Sqrt(c * agreeRate * (1 - agreeRate));
        Assert.InRange(agree, c * agreeRate - 5 * agreeSigma, c * agreeRate + 5 * agreeSigma);
    }

    [Fact]
    public void Kept_Values_Are_Scaled_Exactly_As_FDropout_Scales_Them()
    {
        using var scope = torch.NewDisposeScope();
        var x = PositiveInput([300, 700]);
        torch.manual_seed(9);
        var output = Parallel(x);
        torch.manual_seed(9);
        var exact = F.dropout(x, P, true);

        var kept = output.ne(0);
        Assert.True(BitwiseEqual(x.mul(Scale(ScalarType.Float32)).masked_select(kept), output.masked_select(kept)));
        // Where both kernels keep an element, they produce the very same value.
        var both = kept.logical_and(exact.ne(0));
        Assert.True(both.sum().item<long>() > 100_000);
        Assert.True(BitwiseEqual(exact.masked_select(both), output.masked_select(both)));
        // ...but from another random stream.
        Assert.False(kept.equal(exact.ne(0)).all().item<bool>());
    }

    [Fact]
    public void Mask_Is_The_Documented_SplitMix64_Stream_Whatever_Path_Fills_It()
    {
        // Element g is kept iff Mix(Mix(seed) + (g+1)·γ) < (1 − p)·2^64, element by element, as the remarks state; the
        // vectorised fill (AVX-512) and the scalar tails must both produce exactly this.
        const ulong gamma = 0x9E3779B97F4A7C15UL;
        const ulong seed = 0x1234_5678_9ABC_DEF0UL;
        long n = 2L * ParallelChunkDropout.ChunkElements + 37;
        ulong keepBelow = (ulong)((1 - P) * 18446744073709551616.0);
        ulong origin = ParallelChunkDropout.Mix(seed);
        var expected = new float[n];
        float scale = 1.0f / (float)(1 - P);
        for (long g = 0; g < n; g++)
            expected[g] = ParallelChunkDropout.Mix(unchecked(origin + (ulong)(g + 1) * gamma)) < keepBelow ? scale : 0f;

        using var mask = ParallelChunkDropout.Mask([n], ScalarType.Float32, P, seed, maxDegreeOfParallelism: 2);

        Assert.Equal(expected, mask.data<float>().ToArray());
    }

    [Fact]
    public void Same_Seed_Gives_The_Same_Output_And_Successive_Calls_Differ()
    {
        using var scope = torch.NewDisposeScope();
        var x = PositiveInput([50, 1000]);
        torch.manual_seed(42);
        var first = Parallel(x);
        var second = Parallel(x);
        torch.manual_seed(42);
        var again = Parallel(x);
        torch.manual_seed(43);
        var otherSeed = Parallel(x);

        Assert.True(BitwiseEqual(first, again));
        Assert.False(BitwiseEqual(first, second));
        Assert.False(BitwiseEqual(first, otherSeed));
    }

    [Fact]
    public void Restoring_The_Generator_State_Replays_The_Masks_As_A_Resumed_Checkpoint_Does()
    {
        using var scope = torch.NewDisposeScope();
        var x = PositiveInput([50, 1000]);
        torch.manual_seed(1);
        Parallel(x);
        var state = torch.random.get_rng_state(); // what TrainingCheckpoint saves
        var next = Parallel(x);
        Parallel(x);
        torch.random.set_rng_state(state);         // what TrainingLoop restores on resume

        Assert.True(BitwiseEqual(next, Parallel(x)));
    }

    [Fact]
    public void Output_Does_Not_Depend_On_Torch_Or_Dotnet_Thread_Counts()
    {
        using var scope = torch.NewDisposeScope();
        var x = PositiveInput([8, 4, 100, 260]); // 832,000 elements: 13 chunks
        int before = torch.get_num_threads();
        try
        {
            var outputs = new List<Tensor>();
            foreach (int torchThreads in new[] { 1, 2 })
            {
                torch.set_num_threads(torchThreads);
                foreach (int? dotnetThreads in new int?[] { null, 1, 2, 3, 16 })
                {
                    torch.manual_seed(77);
                    outputs.Add(Parallel(x, threads: dotnetThreads));
                }
            }
            Assert.All(outputs, o => Assert.True(BitwiseEqual(outputs[0], o)));
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    [Fact]
    public void Mask_Follows_The_Logical_Shape_Not_The_Memory_Layout_Or_Dtype()
    {
        using var scope = torch.NewDisposeScope();
        var x = PositiveInput([600, 500]);
        var transposed = x.t();                        // non-contiguous view
        torch.manual_seed(3);
        var fromView = Parallel(transposed);
        torch.manual_seed(3);
        var fromCopy = Parallel(transposed.contiguous());
        torch.manual_seed(3);
        var fromBFloat16 = Parallel(transposed.contiguous().to(ScalarType.BFloat16));

        Assert.True(BitwiseEqual(fromCopy, fromView));
        Assert.True(fromView.ne(0).equal(fromBFloat16.ne(0)).all().item<bool>());
    }

    [Fact]
    public void Eval_Mode_And_Zero_Rate_Are_The_Identity_And_Draw_Nothing()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(40, 50);
        using var dropout = new BackboneDropout(P) { Kernel = DropoutKernel.ParallelChunks };
        dropout.eval();
        torch.manual_seed(11);
        var state = torch.random.get_rng_state();

        var evalOutput = dropout.call(x);
        var zeroRate = ParallelChunkDropout.Apply(x, 0, training: true);

        Assert.True(BitwiseEqual(x, evalOutput));
        Assert.True(BitwiseEqual(x, zeroRate));
        Assert.True(state.equal(torch.random.get_rng_state()).all().item<bool>(), "the generator must not advance");
        Assert.Equal(0, evalOutput.eq(0).sum().item<long>());
    }

    [Fact]
    public void Training_Mode_Draws_Exactly_One_Value_From_The_Torch_Generator()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(21);
        Parallel(torch.ones(200_000));
        var after = torch.randint(long.MaxValue, new long[] { 1 }, ScalarType.Int64).item<long>();
        torch.manual_seed(21);
        torch.randint(long.MaxValue, new long[] { 1 }, ScalarType.Int64);
        var expected = torch.randint(long.MaxValue, new long[] { 1 }, ScalarType.Int64).item<long>();

        Assert.Equal(expected, after);
    }

    [Fact]
    public void Gradient_Is_The_Scaled_Mask()
    {
        using var scope = torch.NewDisposeScope();
        var x = PositiveInput([120, 900]).requires_grad_(true);
        torch.manual_seed(8);
        var output = Parallel(x);
        output.sum().backward();

        var mask = torch.where(output.detach().ne(0), Scale(ScalarType.Float32).expand(x.shape), torch.zeros_like(x));
        Assert.True(BitwiseEqual(mask, x.grad!));
    }

    [Fact]
    public void BFloat16_Keeps_Its_Dtype_Rate_And_Scaling()
    {
        using var scope = torch.NewDisposeScope();
        var x = PositiveInput([1000, 1000], ScalarType.BFloat16);
        torch.manual_seed(13);
        var output = Parallel(x);

        Assert.Equal(ScalarType.BFloat16, output.dtype);
        var kept = output.ne(0);
        long n = x.NumberOfElements, count = kept.sum().item<long>();
        double sigma = Math.Sqrt(n * P * (1 - P));
        Assert.InRange(count, n * (1 - P) - 5 * sigma, n * (1 - P) + 5 * sigma);
        Assert.True(BitwiseEqual(x.mul(Scale(ScalarType.BFloat16)).masked_select(kept), output.masked_select(kept)));
    }

    [Fact]
    public void Repeated_Calls_Leave_No_Live_Tensors()
    {
        var counts = new List<long>();
        using var dropout = new BackboneDropout(P) { Kernel = DropoutKernel.ParallelChunks };
        dropout.train();
        for (int i = 0; i < 5; i++)
        {
            using (var scope = torch.NewDisposeScope())
            {
                var x = torch.randn(300, 1000).requires_grad_(true);
                dropout.call(x).sum().backward();
            }
            counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
        Assert.All(counts, c => Assert.Equal(counts[0], c));
    }

    [Fact]
    public void Rejects_A_Rate_Outside_Zero_To_One()
    {
        using var x = torch.ones(3);
        Assert.Throws<ArgumentOutOfRangeException>(() => ParallelChunkDropout.Apply(x, 1.5, true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BackboneDropout(-0.1));
    }

    [Fact]
    public void Kernel_Names_Round_Trip()
    {
        foreach (var kernel in Enum.GetValues<DropoutKernel>())
            Assert.Equal(kernel, DropoutKernelNames.Parse(DropoutKernelNames.Name(kernel)));
        var e = Assert.Throws<ArgumentException>(() => DropoutKernelNames.Parse("fast"));
        Assert.Contains("exact, parallel_chunks", e.Message);
    }
}
