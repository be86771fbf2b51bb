using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Mpt.Encoder;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Mpt.Tests.Encoder;

/// <summary>
/// The TorchSharp BERT rebuilt from the ONNX initializers against ONNX Runtime running the original graph on the
/// same ids: last_hidden_state over unmasked positions and the pooler output must agree to 1e-4 (docs/data.md, MiniLM, saw
/// 2.3e-6). Batches are padded, so masking and token types are exercised too.
/// </summary>
[Collection(MiniLMCollection.Name)]
public sealed class MiniLMParityTests(MiniLMFixture fixture, ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string, string[], string?[], int> Batches => new()
    {
        {
            "single sentences, padded",
            ["A man is playing a guitar.", "The quick brown fox jumps over the lazy dog near the riverbank.", "Hi!", "Café prices rose 3.5% in 2024; analysts weren't surprised."],
            [null, null, null, null],
            128
        },
        {
            "sentence pairs, padded",
            ["Is this review positive?", "The movie was dreadful.", "Where is the bank?"],
            ["I loved every minute of it, the acting was superb.", "Fantastic!", "She sat on the bank of the river and watched the water."],
            128
        },
        {
            "pairs truncated longest-first",
            ["word sense disambiguation picks the meaning of a word in its context among the senses a dictionary lists", "short", "Yes."],
            ["a gloss is the definition of one sense", "the other text is much longer than the first one here, so it is the one that gets cut down", "No."],
            16
        },
    };

    [Theory]
    [MemberData(nameof(Batches))]
    public void LastHiddenStateAndPoolerMatchOnnxRuntime(string what, string[] texts, string?[] pairs, int maxLength)
    {
        var inputs = texts.Select((t, i) => fixture.Tokenizer.Encode(t, pairs[i], maxLength)).ToList();
        var batch = EncoderBatch.Pad(inputs, fixture.Tokenizer.PadTokenId);
        Assert.Contains(0L, batch.AttentionMask); // the batch really has padding
        if (pairs.Any(p => p is not null)) Assert.Contains(1L, batch.TokenTypeIds);

        var (ortHidden, ortPooled) = RunOnnxRuntime(batch);

        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (ids, mask, types) = batch.ToTensors();
        var result = fixture.Model.Forward(ids, mask, types);
        float[] hidden = result.LastHiddenState.contiguous().data<float>().ToArray();
        float[] pooled = result.PoolerOutput!.contiguous().data<float>().ToArray();
        Assert.Equal(ortHidden.Length, hidden.Length);
        Assert.Equal(ortPooled.Length, pooled.Length);

        int d = BertConfig.AllMiniLmL6V2.HiddenSize;
        double hiddenDelta = 0;
        for (int position = 0; position < batch.AttentionMask.Length; position++)
        {
            if (batch.AttentionMask[position] == 0) continue; // padded positions are undefined in both
            for (int k = 0; k < d; k++)
                hiddenDelta = Math.Max(hiddenDelta, Math.Abs(hidden[position * d + k] - ortHidden[position * d + k]));
        }
        double pooledDelta = pooled.Select((v, i) => (double)Math.Abs(v - ortPooled[i])).Max();
        output.WriteLine($"{what}: batch {batch.BatchSize}×{batch.SequenceLength}, max |Δ| last_hidden_state {hiddenDelta:E2}, pooler {pooledDelta:E2}");
        Assert.True(hiddenDelta <= Tolerance, $"{what}: last_hidden_state differs by {hiddenDelta:E3} > {Tolerance:E0}");
        Assert.True(pooledDelta <= Tolerance, $"{what}: pooler output differs by {pooledDelta:E3} > {Tolerance:E0}");
    }

    /// <summary>Runs the package's ONNX graph; returns last_hidden_state (B·S·D) and the other, rank-2 output (the pooler).</summary>
    private (float[] Hidden, float[] Pooled) RunOnnxRuntime(EncoderBatch batch)
    {
        var clock = Stopwatch.StartNew();
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(fixture.Files.ModelPath, options);
        string pooledName = session.OutputMetadata.Single(o => o.Key != "last_hidden_state" && o.Value.Dimensions.Length == 2).Key;
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        using var ids = OrtValue.CreateTensorValueFromMemory(batch.InputIds, shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, shape);
        using var types = OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [ids, mask, types],
            ["last_hidden_state", pooledName]);
        var result = (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray());
        output.WriteLine($"ONNX Runtime session + run: {clock.Elapsed.TotalSeconds:F2} s");
        return result;
    }
}
