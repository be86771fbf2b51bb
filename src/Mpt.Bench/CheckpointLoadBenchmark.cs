using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mpt.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Bench;

/// <summary>
/// <c>checkpoint-load</c>: how long <see cref="HfCheckpoint.ReadStateDict"/> takes on a t5-base-sized folder and how
/// much memory it needs. Writing the fixture and reading it happen in different processes, so the read's peak RSS
/// (VmHWM) is not inflated by the random state dict the writer generated.
/// </summary>
/// <remarks>
/// <c>checkpoint-load</c> alone: writes the variants into a temp folder, runs one child process per read, prints one
/// JSON line per read, deletes the folder. <c>--write DIR [--variants a,b]</c> and <c>--read DIR [--runs N]
/// [--dtype float32|keep] [--reader mpt|pybridge] [--variant NAME]</c> run one half by hand; <c>--check-layout DIR</c>
/// checks the generated names and shapes against a real model folder's config.json and weights.
/// </remarks>
public static class CheckpointLoadBenchmark
{
    /// <summary>Variants written by default: one F32 file, 3 F32 shards, one BF16 file (read back as F32).</summary>
    private static readonly string[] DefaultVariants = ["single", "sharded", "bf16"];

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>One measured read, printed as a JSON line.</summary>
    private sealed record Result(
        string Bench, string Variant, string Reader, string Dtype, int Runs, double LoadMsMedian, double LoadMsMin,
        double PeakRssMb, double BaselineRssMb, double FileMb, int Tensors, long Parameters, int Threads, double Loadavg1m);

    public static int Run(string[] args)
    {
        var options = ParseOptions(args);
        if (options.TryGetValue("--check-layout", out string? modelDir))
        {
            // Checks the generator's names and shapes against a real HF folder (e.g. the golden models).
            var expected = T5StateDictLayout.FromConfig(Path.Combine(modelDir, "config.json")).Tensors().ToDictionary(t => t.Name, t => t.Shape);
            var sd = HfCheckpoint.ReadStateDict(modelDir);
            HfCheckpoint.ValidateAgainst(expected, sd, HfCheckpoint.LocateWeights(modelDir));
            Console.WriteLine($"layout matches {modelDir} ({sd.Count} tensors)");
            foreach (var t in sd.Values) t.Dispose();
            return 0;
        }
        if (options.TryGetValue("--write", out string? writeDir))
        {
            Write(writeDir, options.TryGetValue("--variants", out string? v) ? v.Split(',') : DefaultVariants);
            return 0;
        }
        if (options.TryGetValue("--read", out string? readDir))
        {
            var result = Read(
                readDir,
                options.GetValueOrDefault("--variant") ?? Path.GetFileName(Path.GetFullPath(readDir).TrimEnd('/')),
                int.Parse(options.GetValueOrDefault("--runs") ?? "5", CultureInfo.InvariantCulture),
                options.GetValueOrDefault("--dtype") ?? "float32",
                options.GetValueOrDefault("--reader") ?? "mpt",
                int.Parse(options.GetValueOrDefault("--threads") ?? "1", CultureInfo.InvariantCulture));
            Console.WriteLine(JsonSerializer.Serialize(result, Json));
            return 0;
        }
        return RunAll(options);
    }

    private static int RunAll(Dictionary<string, string> options)
    {
        string root = Path.Combine(Path.GetTempPath(), $"mpt-bench-ckpt-{Guid.NewGuid():N}");
        var variants = options.TryGetValue("--variants", out string? v) ? v.Split(',') : DefaultVariants;
        string runs = options.GetValueOrDefault("--runs") ?? "5";
        try
        {
            Write(root, variants);
            var reads = variants.Select(name => (name, reader: "mpt")).ToList();
            // PyBridge's reader (a managed byte[] per tensor) on the same F32 file, for comparison.
            if (variants.Contains("single")) reads.Add(("single", "pybridge"));
            foreach (var (name, reader) in reads)
            {
                var psi = new ProcessStartInfo(Environment.ProcessPath!)
                {
                    RedirectStandardOutput = true,
                    UseShellExecute = false,
                };
                foreach (string a in new[] { "checkpoint-load", "--read", Path.Combine(root, name), "--variant", name, "--runs", runs, "--reader", reader })
                    psi.ArgumentList.Add(a);
                using var child = Process.Start(psi)!;
                string output = child.StandardOutput.ReadToEnd();
                child.WaitForExit();
                if (child.ExitCode != 0) throw new InvalidOperationException($"read of '{name}' ({reader}) exited with {child.ExitCode}.");
                Console.Write(output);
            }
            return 0;
        }
        finally
        {
            if (!options.ContainsKey("--keep") && Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Writes the requested variants of a random t5-base state dict under <paramref name="root"/>.</summary>
    private static void Write(string root, IReadOnlyList<string> variants)
    {
        var layout = T5StateDictLayout.T5Base;
        torch.manual_seed(0);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, shape) in layout.Tensors())
            tensors[name] = name.EndsWith("layer_norm.weight", StringComparison.Ordinal) ? torch.ones(shape) : torch.randn(shape).mul_(0.05f);
        try
        {
            foreach (string variant in variants)
            {
                string dir = Path.Combine(root, variant);
                Directory.CreateDirectory(dir);
                switch (variant)
                {
                    case "single":
                        SafetensorsFile.Write(Path.Combine(dir, HfCheckpoint.SafetensorsName), tensors);
                        break;
                    case "sharded":
                        WriteSharded(dir, tensors, shards: 3);
                        break;
                    case "bf16":
                        var half = tensors.ToDictionary(kv => kv.Key, kv => kv.Value.to_type(ScalarType.BFloat16));
                        SafetensorsFile.Write(Path.Combine(dir, HfCheckpoint.SafetensorsName), half);
                        foreach (var t in half.Values) t.Dispose();
                        break;
                    case "bin":
                        PyTorchCheckpointFile.Write(Path.Combine(dir, HfCheckpoint.PyTorchName), tensors);
                        break;
                    default:
                        throw new ArgumentException($"unknown variant '{variant}' (known: single, sharded, bf16, bin).");
                }
                Console.Error.WriteLine($"wrote {dir}");
            }
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>Splits by cumulative size into shards of about equal bytes, like save_pretrained's max_shard_size.</summary>
    private static void WriteSharded(string dir, Dictionary<string, Tensor> tensors, int shards)
    {
        long total = tensors.Values.Sum(Bytes);
        long limit = (total + shards - 1) / shards;
        var groups = new List<List<string>> { new() };
        long current = 0;
        foreach (string name in tensors.Keys.Order(StringComparer.Ordinal))
        {
            if (current > 0 && current + Bytes(tensors[name]) > limit)
            {
                groups.Add([]);
                current = 0;
            }
            groups[^1].Add(name);
            current += Bytes(tensors[name]);
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < groups.Count; i++)
        {
            string file = $"model-{i + 1:D5}-of-{groups.Count:D5}.safetensors";
            SafetensorsFile.Write(Path.Combine(dir, file), groups[i].ToDictionary(n => n, n => tensors[n]));
            foreach (string n in groups[i]) map[n] = file;
        }
        ShardIndex.Write(Path.Combine(dir, HfCheckpoint.SafetensorsIndexName), map, total);
    }

    private static long Bytes(Tensor t) => t.NumberOfElements * SafetensorsFile.ElementSize(t.dtype);

    private static Result Read(string dir, string variant, int runs, string dtypeName, string reader, int threads)
    {
        torch.set_num_threads(threads);
        ScalarType? dtype = dtypeName switch
        {
            "keep" => null,
            "float32" => ScalarType.Float32,
            "bfloat16" => ScalarType.BFloat16,
            _ => throw new ArgumentException($"--dtype must be float32, bfloat16 or keep, not '{dtypeName}'."),
        };
        using (torch.ones(1)) { } // load libtorch before the baseline
        double baseline = StatusMb("VmRSS");
        var times = new List<double>();
        int count = 0;
        long parameters = 0;
        for (int run = 0; run < runs; run++)
        {
            var sw = Stopwatch.StartNew();
            var sd = reader switch
            {
                "mpt" => HfCheckpoint.ReadStateDict(dir, dtype),
                "pybridge" => TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(dir, HfCheckpoint.SafetensorsName)),
                _ => throw new ArgumentException($"--reader must be mpt or pybridge, not '{reader}'."),
            };
            sw.Stop();
            times.Add(sw.Elapsed.TotalMilliseconds);
            count = sd.Count;
            parameters = sd.Values.Sum(t => t.NumberOfElements);
            foreach (var t in sd.Values) t.Dispose();
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        times.Sort();
        double median = times.Count % 2 == 1 ? times[times.Count / 2] : (times[times.Count / 2 - 1] + times[times.Count / 2]) / 2;
        double fileMb = Directory.GetFiles(dir).Where(f => f.EndsWith(".safetensors", StringComparison.Ordinal) || f.EndsWith(".bin", StringComparison.Ordinal))
            .Sum(f => new FileInfo(f).Length) / 1048576.0;
        return new Result("checkpoint-load", variant, reader, dtypeName, runs, Math.Round(median, 1), Math.Round(times[0], 1),
            Math.Round(StatusMb("VmHWM"), 1), Math.Round(baseline, 1), Math.Round(fileMb, 1), count, parameters, threads, LoadAverage());
    }

    /// <summary>The 1-minute load average when the read ended: timings on a busy shared machine are only comparable with it.</summary>
    private static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>A memory figure from /proc/self/status (kB) in MiB.</summary>
    private static double StatusMb(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        throw new InvalidOperationException($"/proc/self/status has no {field}.");
    }

    private static Dictionary<string, string> ParseOptions(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"unexpected argument '{args[i]}'.");
            bool flag = args[i] == "--keep";
            options[args[i]] = flag ? "" : (i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value."));
        }
        return options;
    }
}
