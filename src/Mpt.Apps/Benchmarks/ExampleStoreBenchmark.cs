using System.Diagnostics;
using Mpt.Training;
using TorchSharp;

namespace Mpt.Benchmarks;

/// <summary>
/// <c>mpt bench example-store</c> (issue 17 item 6): the RAM the tokenized source examples take, as one <c>long[]</c>
/// per sequence (what the tokenizer returns) and packed in a <see cref="TokenIdStore"/> (what the pipeline keeps), and
/// the time <see cref="BatchCollator"/> takes to collate a batch from each. Two kinds of JSON line:
/// <list type="bullet">
/// <item><c>example-store</c>, one per representation: the managed heap the examples, their lists and the list holding
/// them take (the growth of <see cref="GC.GetTotalMemory"/> after full collections: exact, independent of the load), per
/// example, and extrapolated to the paper's source mixture (<see cref="TeacherCacheBenchmark.PaperSourceExamples"/>).</item>
/// <item><c>example-store-collate</c>, one per representation: ms per collated batch (median, min and max over rounds that
/// alternate between the representations, so both see the same load) and the 1-minute load average.</item>
/// </list>
/// The ids are random in [2, vocabulary), every example exactly <see cref="ExampleStoreBenchmarkSettings.Seq"/> input
/// and <see cref="ExampleStoreBenchmarkSettings.Target"/> label ids long.
/// </summary>
public static class ExampleStoreBenchmark
{
    /// <summary>Benchmark name.</summary>
    public const string Name = "example-store";

    private const double GiB = 1024.0 * 1024 * 1024;

    /// <summary>Runs the benchmark; each returned dictionary is one JSON line.</summary>
    /// <exception cref="ArgumentException">Invalid settings (the message names the flag).</exception>
    public static IEnumerable<Dictionary<string, object?>> Run(ExampleStoreBenchmarkSettings settings)
    {
        settings.Validate();
        var lines = new List<Dictionary<string, object?>>();
        var representations = new (string Name, Func<ExampleStoreBenchmarkSettings, (List<TrainingExample>, TokenIdStore?)> Build)[]
        {
            ("arrays", s => (Build(s, null), null)),
            ("packed", s => { var store = new TokenIdStore(s.Vocabulary, "example-store benchmark"); return (Build(s, store), store); }),
        };
        var held = new List<List<TrainingExample>>();
        foreach (var (name, build) in representations)
        {
            long before = ManagedBytes();
            var (examples, store) = build(settings);
            long bytes = ManagedBytes() - before;
            held.Add(examples);
            lines.Add(new()
            {
                ["bench"] = Name, ["representation"] = name, ["examples"] = examples.Count, ["seq"] = settings.Seq, ["target"] = settings.Target,
                ["vocab"] = settings.Vocabulary, ["bytes_per_id"] = store?.BytesPerId ?? sizeof(long),
                ["managed_bytes"] = bytes, ["bytes_per_example"] = Math.Round((double)bytes / examples.Count, 1),
                ["id_bytes_per_example"] = store is null ? (settings.Seq + settings.Target) * sizeof(long) : Math.Round((double)store.AllocatedBytes / examples.Count, 1),
                ["store_gib_at_paper_mixture"] = Math.Round((double)bytes / examples.Count * TeacherCacheBenchmark.PaperSourceExamples / GiB, 3),
            });
        }

        // Collation: the same random batches from both, rounds alternating (A B A B ...).
        var random = new Random((int)(settings.Seed % int.MaxValue) + 1);
        var batches = Enumerable.Range(0, settings.CollateBatches)
            .Select(_ => Enumerable.Range(0, settings.Batch).Select(_ => random.Next(settings.Examples)).ToArray()).ToList();
        var collator = new BatchCollator(padTokenId: 0, eosTokenId: 1, maxSourceLength: settings.Seq);
        var times = representations.Select(_ => new List<double>()).ToList();
        // Round -1 warms up (JIT, the tensor allocator) and is not recorded.
        for (int round = -1; round < settings.Rounds; round++)
        {
            for (int r = 0; r < representations.Length; r++)
            {
                var examples = held[r];
                var clock = Stopwatch.StartNew();
                foreach (var indices in batches)
                {
                    using var scope = torch.NewDisposeScope();
                    collator.Collate(indices.Select(i => examples[i]).ToArray());
                }
                if (round >= 0) times[r].Add(clock.Elapsed.TotalMilliseconds / batches.Count);
            }
        }
        for (int r = 0; r < representations.Length; r++)
        {
            var stats = StepStatistics.Of(times[r]);
            lines.Add(new()
            {
                ["bench"] = Name + "-collate", ["representation"] = representations[r].Name, ["batch"] = settings.Batch, ["seq"] = settings.Seq,
                ["batches_per_round"] = batches.Count, ["rounds"] = settings.Rounds,
                ["ms_per_batch_median"] = Math.Round(stats.MedianMs, 4), ["ms_per_batch_min"] = Math.Round(stats.MinMs, 4),
                ["ms_per_batch_max"] = Math.Round(stats.MaxMs, 4), ["loadavg_1m"] = ProcessMemory.LoadAverage1Min(),
            });
        }
        GC.KeepAlive(held);
        return lines;
    }

    /// <summary>The examples, built as the pipeline builds them: fresh arrays from the tokenizer, then (with a store) packed.</summary>
    private static List<TrainingExample> Build(ExampleStoreBenchmarkSettings settings, TokenIdStore? store)
    {
        var random = new Random((int)(settings.Seed % int.MaxValue));
        var examples = new List<TrainingExample>(settings.Examples);
        for (int i = 0; i < settings.Examples; i++)
        {
            var input = Ids(random, settings.Seq, settings.Vocabulary);
            var label = Ids(random, settings.Target, settings.Vocabulary);
            examples.Add(store is null ? new TrainingExample(input, label, 0) : new TrainingExample(store.Add(input), store.Add(label), 0));
        }
        return examples;
    }

    /// <summary>Random ids in [2, vocabulary) ending with eos (1), as the T5 tokenizer's rows end.</summary>
    private static long[] Ids(Random random, int length, int vocabulary)
    {
        var ids = new long[length];
        for (int j = 0; j < length - 1; j++) ids[j] = random.Next(2, vocabulary);
        ids[^1] = 1;
        return ids;
    }

    private static long ManagedBytes()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
