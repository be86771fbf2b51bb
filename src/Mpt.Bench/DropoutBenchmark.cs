using System.Diagnostics;
using System.Text.Json;
using Mpt.Benchmarks;
using Mpt.Model;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mpt.Bench;

/// <summary>
/// Per-call time of one training-mode dropout (p 0.1, float32 unless --bf16) on given shapes, for each way of drawing
/// the mask: <c>exact</c> (<c>F.dropout</c>, libtorch's serial bernoulli), <c>parallel_chunks</c>
/// (<see cref="ParallelChunkDropout"/>), and <c>torch-generator-chunks</c>, the alternative that was measured and not
/// kept: the same chunking with one <c>torch.Generator</c> per chunk calling libtorch's <c>bernoulli_</c> on a view
/// from .NET worker threads. Prints one JSON line per shape × kernel × thread count (median and min of --runs calls
/// after --warmup).
/// </summary>
public static class DropoutBenchmark
{
    /// <summary>Usage line.</summary>
    public const string Usage = "Mpt.Bench dropout [--shape 8,228,2048 --shape 8,8,228,228 ...] [--threads 1,2] [--runs 10] [--warmup 3] [--bf16]";

    private const double P = 0.1;

    /// <summary>Runs the benchmark.</summary>
    public static int Run(string[] args)
    {
        var shapes = new List<long[]>();
        int[] threadCounts = [1, 2];
        int runs = 10, warmup = 3;
        var dtype = ScalarType.Float32;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--shape": shapes.Add(Value().Split(',').Select(long.Parse).ToArray()); break;
                case "--threads": threadCounts = Value().Split(',').Select(int.Parse).ToArray(); break;
                case "--runs": runs = int.Parse(Value()); break;
                case "--warmup": warmup = int.Parse(Value()); break;
                case "--bf16": dtype = ScalarType.BFloat16; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'.");
            }
        }
        if (shapes.Count == 0) shapes = [[8, 228, 2048], [8, 8, 228, 228]];
        if (runs < 1 || warmup < 0) throw new ArgumentException("--runs must be at least 1 and --warmup at least 0.");

        var kernels = new (string Name, Func<Tensor, Tensor> Apply)[]
        {
            (DropoutKernelNames.Exact, x => F.dropout(x, P, true)),
            (DropoutKernelNames.ParallelChunks, x => ParallelChunkDropout.Apply(x, P, true)),
            ("torch-generator-chunks", TorchGeneratorChunks),
        };
        torch.manual_seed(1);
        foreach (var shape in shapes)
        {
            using var x = torch.randn(shape).to(dtype);
            foreach (int threads in threadCounts)
            {
                torch.set_num_threads(threads);
                foreach (var (name, apply) in kernels)
                {
                    var times = new List<double>();
                    for (int r = 0; r < warmup + runs; r++)
                    {
                        using var scope = torch.NewDisposeScope();
                        var watch = Stopwatch.StartNew();
                        apply(x);
                        if (r >= warmup) times.Add(watch.Elapsed.TotalMilliseconds);
                    }
                    times.Sort();
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        benchmark = "dropout", kernel = name, shape = string.Join(",", shape), dtype = dtype.ToString(), threads,
                        ms_median = Math.Round(times[times.Count / 2], 2), ms_min = Math.Round(times[0], 2), runs,
                        loadavg_1m = ProcessMemory.LoadAverage1Min(),
                    }));
                }
            }
        }
        return 0;
    }

    /// <summary>The measured alternative: one torch.Generator per chunk, libtorch's bernoulli_ on a view per chunk,
    /// called from .NET worker threads (each disposes its own view and generator; workers have no dispose scope).</summary>
    private static Tensor TorchGeneratorChunks(Tensor x)
    {
        ulong baseSeed;
        using (var draw = torch.randint(long.MaxValue, new long[] { 1 }, ScalarType.Int64)) baseSeed = (ulong)draw.item<long>();
        using var mask = torch.empty(x.shape, x.dtype);
        using var flat = mask.view(-1);
        long count = flat.NumberOfElements;
        long chunks = (count + ParallelChunkDropout.ChunkElements - 1) / ParallelChunkDropout.ChunkElements;
        Parallel.For(0L, chunks, new ParallelOptions { MaxDegreeOfParallelism = torch.get_num_threads() }, c =>
        {
            long begin = c * ParallelChunkDropout.ChunkElements;
            using var view = flat.narrow(0, begin, Math.Min(ParallelChunkDropout.ChunkElements, count - begin));
            using var generator = new torch.Generator(baseSeed + (ulong)c);
            view.bernoulli_(1 - P, generator: generator);
        });
        mask.div_(1 - P);
        return x.mul(mask);
    }
}
