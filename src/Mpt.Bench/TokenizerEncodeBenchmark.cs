using System.Diagnostics;
using System.Text.Json;
using Mpt.Tokenization;

namespace Mpt.Bench;

/// <summary>
/// Tokenizer throughput on the workload docs/stack.md §4.1 gives for Python sentencepiece (96 ms) and
/// Microsoft.ML.Tokenizers (186–206 ms): 20,000 lines. The lines are built from the strings of a tokenizer golden
/// file (pairs of entries joined by a space), so the text mixes plain English with the adversarial cases.
/// Prints one JSON line per encoding method with the best wall time of the rounds (the first includes JIT warm-up).
/// </summary>
public static class TokenizerEncodeBenchmark
{
    /// <summary>Usage line.</summary>
    public const string Usage = "Mpt.Bench tokenizer-encode --tokenizer DIR --golden tokenizer_golden.json [--lines 20000] [--rounds 3]";

    /// <summary>Runs the benchmark.</summary>
    public static int Run(string[] args)
    {
        string? tokenizerDir = null, goldenPath = null;
        int lineCount = 20_000, rounds = 3;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--tokenizer": tokenizerDir = Value(); break;
                case "--golden": goldenPath = Value(); break;
                case "--lines": lineCount = int.Parse(Value()); break;
                case "--rounds": rounds = int.Parse(Value()); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'.");
            }
        }
        if (tokenizerDir is null || goldenPath is null) throw new ArgumentException("--tokenizer and --golden are required.");

        var tok = T5Tokenizer.FromFolder(tokenizerDir);
        using var golden = JsonDocument.Parse(File.ReadAllText(goldenPath));
        var texts = golden.RootElement.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("text").GetString()!).ToList();
        var lines = Enumerable.Range(0, lineCount).Select(i => texts[i % texts.Count] + " " + texts[(i * 7 + 3) % texts.Count]).ToList();

        var methods = new (string Name, Func<long> Encode)[]
        {
            ("EncodeSentencePiece", () => lines.Sum(l => (long)tok.EncodeSentencePiece(l).Length)),
            ("Encode", () => lines.Sum(l => (long)tok.Encode(l).Length)),
            ("EncodeBatch32", () => lines.Chunk(32).Sum(chunk => (long)tok.EncodeBatch(chunk).InputIds.Length)),
        };
        foreach (var (name, encode) in methods)
        {
            double best = double.MaxValue;
            long tokens = 0;
            for (int r = 0; r < rounds; r++)
            {
                var watch = Stopwatch.StartNew();
                tokens = encode();
                best = Math.Min(best, watch.Elapsed.TotalMilliseconds);
            }
            Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "tokenizer-encode", method = name, lines = lineCount, tokens, best_ms = Math.Round(best, 1), rounds }));
        }
        return 0;
    }
}
