using System.Diagnostics;
using System.Text.Json;
using Mpt.Benchmarks;
using Mpt.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Bench;

/// <summary>
/// Forward and backward time of one T5 self-attention layer (block 0 of the encoder of a benchmark shape: q/k/v/o
/// projections, position bias plus padding mask, attention) for each <see cref="AttentionKernel"/>, in eval mode with
/// a frozen layer and the gradient taken to the input hidden states, as in a prompt-tuning step without backbone
/// dropout. The kernels alternate within every run (A B, then B A), so a change of machine load hits both alike;
/// the projections are the same work for both, so the difference between the kernels is the attention itself.
/// Prints one JSON line per kernel: median and min of --runs after --warmup. Then the position bias plus mask of the
/// same shape (what the stack adds to every layer's scores), looked up afresh vs taken from the frozen table's cache.
/// </summary>
public static class AttentionBenchmark
{
    /// <summary>Usage line.</summary>
    public const string Usage = "Mpt.Bench attention [--shape t5-small] [--batch 8] [--len 228] [--threads 2] [--runs 10] [--warmup 3] [--bf16]";

    /// <summary>Runs the benchmark.</summary>
    public static int Run(string[] args)
    {
        string shape = "t5-small";
        int batch = 8, length = 228, threads = 2, runs = 10, warmup = 3;
        var dtype = ScalarType.Float32;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--shape": shape = Value(); break;
                case "--batch": batch = int.Parse(Value()); break;
                case "--len": length = int.Parse(Value()); break;
                case "--threads": threads = int.Parse(Value()); break;
                case "--runs": runs = int.Parse(Value()); break;
                case "--warmup": warmup = int.Parse(Value()); break;
                case "--bf16": dtype = ScalarType.BFloat16; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'.");
            }
        }
        if (runs < 1 || warmup < 0 || batch < 1 || length < 1 || threads < 1)
            throw new ArgumentException("--runs, --batch, --len and --threads must be at least 1 and --warmup at least 0.");
        if (!BenchmarkShapes.Contains(shape))
            throw new ArgumentException($"--shape: unknown shape '{shape}' (known: {string.Join(", ", BenchmarkShapes.Names)}).");

        torch.set_num_threads(threads);
        torch.manual_seed(1);
        var config = BenchmarkShapes.Get(shape);
        using var attention = new T5Attention(config, isDecoder: false, hasRelativeAttentionBias: true);
        attention.to(dtype);
        attention.eval();
        foreach (var p in attention.parameters()) p.requires_grad = false;
        using var hidden = torch.randn(batch, length, config.DModel).to(dtype);
        // HF's extended mask of an unpadded batch, (B, 1, 1, S), added to the bias like T5Stack does.
        using var mask = torch.zeros(batch, 1, 1, length, dtype);

        var kernels = new[] { AttentionKernel.Fused, AttentionKernel.Math };
        var forward = kernels.ToDictionary(k => k, _ => new List<double>());
        var backward = kernels.ToDictionary(k => k, _ => new List<double>());
        for (int r = 0; r < warmup + runs; r++)
        {
            foreach (var kernel in r % 2 == 0 ? kernels : kernels.Reverse())
            {
                using var scope = torch.NewDisposeScope();
                attention.Kernel = kernel;
                var input = hidden.detach().requires_grad_(true);
                var watch = Stopwatch.StartNew();
                var bias = attention.ComputeBias(length, length) + mask;
                var output = attention.forward(input, null, bias, null);
                double forwardMs = watch.Elapsed.TotalMilliseconds;
                watch.Restart();
                output.sum().backward();
                double backwardMs = watch.Elapsed.TotalMilliseconds;
                if (r < warmup) continue;
                forward[kernel].Add(forwardMs);
                backward[kernel].Add(backwardMs);
            }
        }
        // The position bias of the layer's (S, S) shape: looked up afresh each step (what every step did before the
        // cache; a table that trains still does) vs the cached square's view, interleaved the same way.
        using var trainable = new T5Attention(config, isDecoder: false, hasRelativeAttentionBias: true);
        trainable.to(dtype);
        var biasTimes = new Dictionary<string, List<double>> { ["fresh"] = [], ["cached"] = [] };
        for (int r = 0; r < warmup + runs; r++)
        {
            foreach (string way in r % 2 == 0 ? ["fresh", "cached"] : new[] { "cached", "fresh" })
            {
                using var scope = torch.NewDisposeScope();
                using var noGrad = torch.no_grad();
                var watch = Stopwatch.StartNew();
                _ = (way == "fresh" ? trainable : attention).ComputeBias(length, length) + mask;
                if (r >= warmup) biasTimes[way].Add(watch.Elapsed.TotalMilliseconds);
            }
        }
        foreach (var (way, times) in biasTimes)
        {
            var t = times.Order().ToList();
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "position_bias", bias = way, shape, batch, len = length, dtype = dtype.ToString(), threads,
                ms_median = Math.Round(t[t.Count / 2], 3), ms_min = Math.Round(t[0], 3), runs,
                loadavg_1m = ProcessMemory.LoadAverage1Min(),
            }));
        }
        foreach (var kernel in kernels)
        {
            var f = forward[kernel].Order().ToList();
            var b = backward[kernel].Order().ToList();
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "attention", kernel = AttentionKernelNames.Name(kernel), shape, batch, len = length, dtype = dtype.ToString(), threads,
                forward_ms_median = Math.Round(f[f.Count / 2], 2), forward_ms_min = Math.Round(f[0], 2),
                backward_ms_median = Math.Round(b[b.Count / 2], 2), backward_ms_min = Math.Round(b[0], 2), runs,
                loadavg_1m = ProcessMemory.LoadAverage1Min(),
            }));
        }
        return 0;
    }
}
