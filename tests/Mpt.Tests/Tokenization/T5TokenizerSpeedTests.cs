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

    [Fact]
    public void Should_Report_Encoding_Speed_On_20000_Lines()
    {
        var tok = TokenizerGolden.Tokenizer;
        var lines = Lines();
        tok.Encode(lines[0]); // warm-up (JIT)

        var watch = Stopwatch.StartNew();
        long spTokens = lines.Sum(l => (long)tok.EncodeSentencePiece(l).Length);
        double spMs = watch.Elapsed.TotalMilliseconds;

        watch.Restart();
        var hfIds = lines.Select(l => tok.Encode(l)).ToList();
        double hfMs = watch.Elapsed.TotalMilliseconds;

        watch.Restart();
        var batches = lines.Chunk(32).Select(chunk => tok.EncodeBatch(chunk)).ToList();
        double batchMs = watch.Elapsed.TotalMilliseconds;

        output.WriteLine($"{LineCount} lines, {spTokens} SentencePiece tokens");
        output.WriteLine($"EncodeSentencePiece: {spMs:F0} ms");
        output.WriteLine($"Encode (HF, eos):    {hfMs:F0} ms");
        output.WriteLine($"EncodeBatch (32s):   {batchMs:F0} ms");

        // Consistency, not timing: every batch row equals the single-text encoding.
        Assert.Equal(LineCount, batches.Sum(b => b.BatchSize));
        var first = batches[0];
        for (int b = 0; b < first.BatchSize; b++)
            Assert.Equal(hfIds[b].Select(i => (long)i), first.InputIdsRow(b).Take(hfIds[b].Length));
    }
}
