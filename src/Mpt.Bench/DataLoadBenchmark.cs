using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Mpt.Benchmarks;
using Mpt.Data;
using Mpt.Tasks;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;

namespace Mpt.Bench;

/// <summary>
/// Streaming a GLUE-sized data file (issue 4: "large files (MNLI 393k rows) stream or load with measured memory").
/// <c>--write DIR</c> writes an MNLI-shaped file (premise, hypothesis, label, idx; HF layout) as JSONL, CSV and Parquet;
/// <c>--read FILE</c>, run in a fresh process, streams it through <see cref="DataFiles.ReadForTask"/> (schema check) and
/// formats every row with the mnli task, and prints rows, wall time and peak RSS (VmHWM) as one JSON line.
/// </summary>
public static class DataLoadBenchmark
{
    /// <summary>Usage line.</summary>
    public const string Usage = "Mpt.Bench data-load --write DIR [--rows 392702] | --read FILE [--task mnli]";

    /// <summary>Runs the benchmark.</summary>
    public static int Run(string[] args)
    {
        string? write = null, read = null, taskName = "mnli";
        int rows = 392_702; // MNLI train
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--write": write = Value(); break;
                case "--read": read = Value(); break;
                case "--rows": rows = int.Parse(Value()); break;
                case "--task": taskName = Value(); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'.");
            }
        }
        if (write is not null) { Write(write, rows); return 0; }
        if (read is not null) { Read(read, taskName); return 0; }
        throw new ArgumentException("give --write DIR or --read FILE.");
    }

    private static (string Premise, string Hypothesis, long Label) Row(int i)
    {
        // Sentences of MNLI-like length (~20 and ~10 words) with varied words, deterministic.
        var premise = new StringBuilder();
        for (int w = 0; w < 20; w++) premise.Append(w == 0 ? "" : " ").Append("word").Append((i * 31 + w * 7) % 5003);
        var hypothesis = new StringBuilder();
        for (int w = 0; w < 10; w++) hypothesis.Append(w == 0 ? "" : " ").Append("term").Append((i * 17 + w * 13) % 4001);
        return (premise.ToString() + ".", hypothesis.ToString() + ".", i % 3);
    }

    private static void Write(string dir, int rows)
    {
        Directory.CreateDirectory(dir);
        var clock = Stopwatch.StartNew();
        using (var jsonl = new StreamWriter(Path.Combine(dir, "train.jsonl")))
        using (var csv = new StreamWriter(Path.Combine(dir, "train.csv")))
        {
            csv.WriteLine("premise,hypothesis,label,idx");
            for (int i = 0; i < rows; i++)
            {
                var (p, h, l) = Row(i);
                jsonl.WriteLine(JsonSerializer.Serialize(new { premise = p, hypothesis = h, label = l, idx = (long)i }));
                csv.WriteLine($"{p},{h},{l},{i}");
            }
        }
        // Parquet in row groups of 50,000 (appended one group at a time), as HF's exports are chunked.
        var schema = new ParquetSchema(new DataField<string>("premise"), new DataField<string>("hypothesis"),
                                       new DataField<long>("label"), new DataField<long>("idx"));
        using (var stream = File.Create(Path.Combine(dir, "train.parquet")))
        {
            for (int start = 0; start < rows; start += 50_000)
            {
                var group = Enumerable.Range(start, Math.Min(50_000, rows - start)).Select(i =>
                {
                    var (p, h, l) = Row(i);
                    return (IDictionary<string, object?>)new Dictionary<string, object?> { ["premise"] = p, ["hypothesis"] = h, ["label"] = l, ["idx"] = (long)i };
                }).ToList();
                ParquetSerializer.SerializeUntypedAsync(group, schema, stream, new ParquetOptions { Append = start > 0 }).GetAwaiter().GetResult();
            }
        }
        foreach (string f in Directory.GetFiles(dir))
            Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "data-load", wrote = f, rows, mb = Math.Round(new FileInfo(f).Length / 1048576.0, 1) }));
        Console.Error.WriteLine($"written in {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static void Read(string path, string taskName)
    {
        var task = TaskCatalog.CreateDefault().Get(taskName);
        double baseline = ProcessMemory.ResidentMiB() ?? double.NaN;
        var clock = Stopwatch.StartNew();
        long rows = 0, chars = 0;
        foreach (var row in DataFiles.ReadForTask(task, path))
        {
            foreach (var formatted in task.Format(row.Fields)) chars += formatted.Source.Length;
            rows++;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            benchmark = "data-load", file = Path.GetFileName(path), task = taskName, rows, source_chars = chars,
            seconds = Math.Round(seconds, 2), rows_per_s = Math.Round(rows / seconds),
            baseline_rss_mb = Math.Round(baseline, 1), peak_rss_mb = Math.Round(ProcessMemory.PeakResidentMiB() ?? double.NaN, 1),
            mb = Math.Round(new FileInfo(path).Length / 1048576.0, 1),
        }));
    }
}
