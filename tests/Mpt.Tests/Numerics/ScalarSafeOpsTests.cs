using Mpt.Numerics;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Numerics;

/// <summary>
/// <see cref="ScalarSafeOps"/> must compute exactly what the TorchSharp operators compute (the golden parity of T5 and
/// BERT depends on it) and must not lose its Scalar to a garbage collection started by another thread.
/// </summary>
public sealed class ScalarSafeOpsTests
{
    [Fact]
    public void Should_Give_The_Bits_Of_The_TorchSharp_Operators()
    {
        using var scope = NewDisposeScope();
        using var generator = new torch.Generator(7);
        var x = torch.randn([3, 5], generator: generator);
        var y = torch.randn([3, 5], generator: generator);
        var ids = torch.randint(-3, 4, [3, 5], generator: generator);
        var mask = x.gt(0.2);
        var pairs = new (string Name, Tensor Safe, Tensor Operator)[]
        {
            ("tensor + tensor", x.Plus(y), x + y),
            ("tensor + double", x.Plus(1e-6), x + 1e-6),
            ("int tensor + int", ids.Plus(5), ids + 5),
            ("tensor - double", x.Minus(0.25), x - 0.25),
            ("double - tensor", x.SubtractedFrom(1.0), 1.0 - x),
            ("int - int tensor", ids.SubtractedFrom(1), 1 - ids),
            ("tensor * double", x.Times(0.044715), x * 0.044715),
            ("int tensor * int", ids.Times(16), ids * 16),
            ("tensor / double", x.Over(Math.Sqrt(32)), x / Math.Sqrt(32)),
            ("float tensor / int", x.Over(8), x / 8),
            ("pow", x.Power(3.0), torch.pow(x, 3.0)),
            ("gt", x.Greater(0), x.gt(0)),
            ("lt", ids.Less(2), ids.lt(2)),
            ("eq", ids.EqualTo(-1), ids.eq(-1)),
            ("ne", ids.NotEqualTo(0), ids.ne(0)),
            ("masked_fill", x.FilledWhere(mask, -1e9), x.masked_fill(mask, -1e9)),
            ("clamp_min", x.AtLeast(1e-9), x.clamp_min(1e-9)),
            ("clamp", x.Between(-0.5, 0.5), x.clamp(-0.5, 0.5)),
            ("full_like", ScalarSafeOps.FullLike(ids, 31), torch.full_like(ids, 31)),
            ("full", ScalarSafeOps.Full([4], 3L, ScalarType.Int64, torch.CPU), torch.full(4, 3L, ScalarType.Int64, torch.CPU)),
            ("arange", ScalarSafeOps.Range(2L, 9L, ScalarType.Int64, torch.CPU), torch.arange(2L, 9L, ScalarType.Int64, torch.CPU)),
        };
        foreach (var (name, safe, op) in pairs)
        {
            Assert.True(safe.dtype == op.dtype, $"{name}: dtype {safe.dtype} vs {op.dtype}");
            Assert.True(safe.shape.SequenceEqual(op.shape), $"{name}: shape");
            Assert.True(safe.eq(op).all().item<bool>(), $"{name}: values differ");
        }
    }

    /// <summary>
    /// The race of docs/testing.md §1.1: another thread allocates so that collections (and the finalizer thread) run
    /// while libtorch executes. With TorchSharp's own <c>a + b</c> and <c>a * 2.0</c> about one call in 50,000 failed on
    /// a 2-core EPYC, so the 200,000 calls below fail with probability ≈ 0.98 (5 failures in the first 160,000 calls when
    /// this test was run on the operators); with the kept Scalar none may fail.
    /// </summary>
    [Fact]
    public async Task Should_Keep_Its_Scalar_Alive_While_Another_Thread_Forces_Collections()
    {
        using var a = torch.ones(4);
        using var b = torch.ones(4);
        using var stop = new CancellationTokenSource();
        var garbage = Task.Run(() =>
        {
            var random = new Random(1);
            while (!stop.IsCancellationRequested) GC.KeepAlive(new byte[random.Next(100, 100_000)]);
        });
        var failures = new List<string>();
        try
        {
            for (int i = 0; i < 100_000 && failures.Count < 5; i++)
            {
                try
                {
                    using var sum = a.Plus(b);
                    using var scaled = a.Times(2.0);
                }
                catch (Exception e)
                {
                    failures.Add($"call {i}: {e.Message.Split('\n')[0]}");
                }
            }
        }
        finally
        {
            stop.Cancel();
            await garbage;
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }
}
