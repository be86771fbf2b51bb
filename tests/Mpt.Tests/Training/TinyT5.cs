using Mpt.Model;
using Mpt.Training;
using TorchSharp;

namespace Mpt.Tests.Training;

/// <summary>
/// A tiny randomly initialised T5 (vocab 64, d_model 32, 2 + 2 layers, 4 heads) for fast training tests, plus synthetic
/// token-level tasks whose answers depend on the input. Ids: 0 pad / decoder start, 1 eos, 2-5 label tokens, 10-17
/// content tokens, 20-63 distractors.
/// </summary>
internal static class TinyT5
{
    public const long Eos = 1;

    public static T5Config Config(double dropout) => new()
    {
        VocabSize = 64, DModel = 32, DKv = 8, DFf = 64, NumLayers = 2, NumDecoderLayers = 2, NumHeads = 4,
        RelativeAttentionNumBuckets = 8, RelativeAttentionMaxDistance = 16,
        DropoutRate = dropout, PadTokenId = 0, EosTokenId = Eos, DecoderStartTokenId = 0,
    };

    /// <summary>A model with weights fixed by <paramref name="seed"/> (torch's global generator is reseeded).</summary>
    public static T5ForConditionalGeneration Create(long seed = 7, double dropout = 0.1)
    {
        torch.random.manual_seed(seed);
        return new T5ForConditionalGeneration(Config(dropout));
    }

    /// <summary>
    /// A tiny T5 "pre-trained" (all weights, a few hundred AdamW steps) on instruction-prefixed majority tasks: input
    /// [instruction, x1..x7, eos], where each instruction token names one (a, b, label a, label b) mapping of
    /// <paramref name="instructions"/>. A random T5 is not a usable prompt-tuning backbone (the prompt barely moves its
    /// outputs); after this, as with a real pre-trained model, a prompt can learn to play the role of an instruction.
    /// </summary>
    public static T5ForConditionalGeneration Pretrained(IReadOnlyList<(long Instruction, long A, long B, long LabelA, long LabelB)> instructions,
        int steps = 400, long seed = 7)
    {
        var model = Create(seed, dropout: 0.0);
        var data = instructions.SelectMany((t, k) => Majority(512, k, t.A, t.B, t.LabelA, t.LabelB, seed: 99)
            .Select(e => e with { InputIds = [t.Instruction, .. e.InputIds] })).ToList();
        var source = new ShuffledBatchSource(data, 32, 5);
        var collator = new BatchCollator(0, Eos);
        using var optimizer = torch.optim.AdamW(model.parameters(), lr: 3e-3);
        model.train(true);
        for (int step = 0; step < steps; step++)
        {
            using var scope = torch.NewDisposeScope();
            var batch = collator.Collate(source.Next());
            var loss = model.Forward(batch.InputIds, null, batch.AttentionMask, null, batch.Labels).Loss!;
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        model.train(false);
        return model;
    }

    /// <summary>
    /// "Majority" task: the input is <paramref name="length"/> tokens, each <paramref name="a"/> or <paramref name="b"/>
    /// (odd length, so there is always a majority), then eos; the label is [<paramref name="labelA"/>, eos] when a is the
    /// majority, else [<paramref name="labelB"/>, eos]. Balanced classes (chance = 50 %).
    /// </summary>
    public static List<TrainingExample> Majority(int count, int taskId, long a, long b, long labelA, long labelB, ulong seed, int length = 7)
    {
        var rng = new Pcg32(seed, (ulong)taskId + 100);
        var examples = new List<TrainingExample>(count);
        for (int i = 0; i < count; i++)
        {
            bool aWins = i % 2 == 0;
            int minority = rng.NextInt(length / 2 + 1); // 0 .. length/2 tokens of the losing symbol
            var tokens = Enumerable.Repeat(aWins ? a : b, length - minority).Concat(Enumerable.Repeat(aWins ? b : a, minority)).ToArray();
            for (int j = tokens.Length - 1; j > 0; j--) { int k = rng.NextInt(j + 1); (tokens[j], tokens[k]) = (tokens[k], tokens[j]); }
            examples.Add(new TrainingExample([.. tokens, Eos], [aWins ? labelA : labelB, Eos], taskId));
        }
        return examples;
    }
}
