using System.Diagnostics;
using Mpt.Tokenization;
using Xunit;
using Xunit.Abstractions;

namespace Mpt.Tests.Tokenization;

/// <summary>
/// Measures (does not assert) the encoding speed on 20,000 lines, the workload STACK.md §4 uses (Python sentencepiece:
/// 96 ms; Microsoft.ML.Tokenizers: 186–206 ms). The lines are built from the golden strings.
/// </summary>
public sealed class T5TokenizerSpeedTests(ITestOutputHelper output)
{
    private const int LineCount = 20_000;

    private static List<string> Lines()
    {
        var entries = TokenizerGolden.Entries;
        var lines = new List<string>(LineCount);
        for (int i = 0; i < LineCount; i++)
            lines.Add(entries[i % entries.Count].Text + " " + entries[(i * 7 + 3) % entries.Count].Text);
        return lines;
    }

    private static (double WallMs, double CpuMs) Measure(Action action)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        action();
        watch.Stop();
        process.Refresh();
        return (watch.Elapsed.TotalMilliseconds, (process.TotalProcessorTime - cpu).TotalMilliseconds);
    }

    [Fact]
    public void Should_Report_Encoding_Speed_On_20000_Lines()
    {
        var tok = TokenizerGolden.Tokenizer;
        var lines = Lines();
        // Three rounds; the first includes tiered JIT warm-up, the best round is the steady-state number.
        long spTokens = 0;
        List<int[]> hfIds = [];
        List<TokenizedBatch> batches = [];
        output.WriteLine($"{LineCount} lines; CPU time is shown next to wall time because the shared machine is often oversubscribed");
        var best = (Sp: double.MaxValue, Hf: double.MaxValue, Batch: double.MaxValue);
        for (int round = 1; round <= 3; round++)
        {
            var (spWall, spCpu) = Measure(() => spTokens = lines.Sum(l => (long)tok.EncodeSentencePiece(l).Length));
            var (hfWall, hfCpu) = Measure(() => hfIds = lines.Select(l => tok.Encode(l)).ToList());
            var (batchWall, batchCpu) = Measure(() => batches = lines.Chunk(32).Select(chunk => tok.EncodeBatch(chunk)).ToList());
            output.WriteLine($"round {round}: EncodeSentencePiece {spWall:F0} ms wall / {spCpu:F0} ms CPU; " +
                             $"Encode (HF, eos) {hfWall:F0} / {hfCpu:F0}; EncodeBatch (by 32, padded) {batchWall:F0} / {batchCpu:F0}");
            best = (Math.Min(best.Sp, spWall), Math.Min(best.Hf, hfWall), Math.Min(best.Batch, batchWall));
        }
        output.WriteLine($"best wall: EncodeSentencePiece {best.Sp:F0} ms ({spTokens} tokens), Encode {best.Hf:F0} ms, EncodeBatch {best.Batch:F0} ms");

        // Consistency, not timing: every batch row equals the single-text encoding.
        Assert.Equal(LineCount, batches.Sum(b => b.BatchSize));
        var first = batches[0];
        for (int b = 0; b < first.BatchSize; b++)
            Assert.Equal(hfIds[b].Select(i => (long)i), first.InputIdsRow(b).Take(hfIds[b].Length));
    }
}
