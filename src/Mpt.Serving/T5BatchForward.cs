using Mpt.Backbones;
using Mpt.Evaluation;
using Mpt.Model;
using Mpt.Prompts;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Serving;

/// <summary>
/// The forward of a <see cref="BatchingPredictor"/> over a T5 backbone: rows of any tasks sharing a prompt length, row b
/// with its own task's prompt rows P_{t(b)} in front of its input, go through the encoder once; then each row's task
/// decides how its answer is read from that encoder output. A task with labels is rank-classified (the log-likelihood of
/// every label text, <see cref="RankClassifier"/>, as <see cref="Evaluator.RankScores"/> computes it for <c>mpt predict</c>
/// and the library), the rows of one label set scored together; a task without labels gets greedy generation
/// (<see cref="T5ForConditionalGeneration.Generate"/>, decoded as <see cref="Evaluator.Generate"/> decodes it), at most
/// <see cref="BatchingOptions.MaxNewTokens"/> tokens. The decoder runs once per label per label set and once per
/// generation step, each over the encoder states of its own rows only.
/// </summary>
/// <remarks>
/// Inputs are tokenised as the evaluator tokenises sources (<see cref="T5FeatureConverter.EncodeSource"/>: eos appended,
/// cut to the maximum source length) and padded at the end; padding is masked in the encoder and in cross-attention, and
/// T5's positions are relative, so a row's answer does not depend on the other rows of its batch beyond float rounding.
/// </remarks>
internal sealed class T5BatchForward
{
    private readonly T5RunBackbone _backbone;
    private readonly T5FeatureConverter _converter;
    private readonly int _maxNewTokens;

    /// <summary>Serves with <paramref name="backbone"/> (switched to eval mode: no dropout, as the evaluator does).</summary>
    public T5BatchForward(T5RunBackbone backbone, int maxSourceLength, int maxNewTokens)
    {
        _backbone = backbone ?? throw new ArgumentNullException(nameof(backbone));
        _converter = new T5FeatureConverter(backbone.Tokenizer, maxSourceLength);
        _maxNewTokens = maxNewTokens;
        backbone.Model.eval();
    }

    /// <summary>The token ids of an input (eos included), as <c>mpt predict</c> encodes it.</summary>
    public long[] Encode(string input) => _converter.EncodeSource(input);

    /// <summary>
    /// One encoder pass over <paramref name="inputs"/> (token ids from <see cref="Encode"/>), row b with the prompt of
    /// <paramref name="tasks"/>[b] (all of prompt length <paramref name="length"/>), then each row's answer.
    /// </summary>
    public List<ServedPrediction> Forward(PromptTable table, int length, IReadOnlyList<ServedTask> tasks, IReadOnlyList<long[]> inputs)
    {
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var model = _backbone.Model;
        var device = model.SharedWeight.device;
        var (inputIds, attentionMask) = T5FeatureConverter.PadInputs(inputs, _backbone.Tokenizer.PadId);        // (B, S)
        var prompts = table.PromptRows(length, tasks);                                                           // (B, l, d): row b's own task prompt
        var (embeds, mask) = PromptedT5.EncoderInput(model, inputIds.to(device), attentionMask.to(device), prompts);
        var encoded = model.Encode(null, embeds, mask).LastHiddenState;                                          // (B, l+S, D)
        var predictions = new ServedPrediction[tasks.Count];
        // Rows of one label set share the decoder passes of its labels; rows without labels are generated together.
        foreach (var group in Enumerable.Range(0, tasks.Count).GroupBy(b => tasks[b].Labels, LabelSetComparer.Instance))
        {
            int[] rows = [.. group];
            var labels = group.Key;
            var (states, crossMask) = rows.Length == tasks.Count ? (encoded, mask) : RowsOf(encoded, mask, rows, device);
            if (labels.Count == 0)
            {
                var sequences = model.Generate(null, null, crossMask, _maxNewTokens, encoderOutput: new T5EncoderOutput(states, null)).Sequences;
                var texts = Evaluator.DecodeGenerations(_backbone.Tokenizer, sequences);
                for (int i = 0; i < rows.Length; i++) predictions[rows[i]] = ServedPrediction.Generated(texts[i]);
                continue;
            }
            double[,] scores = RankClassifier.ScoreEncoded(model, states, crossMask, RankClassifier.Candidates(_backbone.Tokenizer, labels)); // (n, C)
            int[] best = RankClassifier.Best(scores);
            for (int i = 0; i < rows.Length; i++)
            {
                var byLabel = new Dictionary<string, double>(StringComparer.Ordinal);
                for (int c = 0; c < labels.Count; c++) byLabel[labels[c]] = scores[i, c];
                predictions[rows[i]] = new ServedPrediction(labels[best[i]], byLabel);
            }
        }
        return [.. predictions];
    }

    /// <summary>The encoder states and cross-attention mask of <paramref name="rows"/> only.</summary>
    private static (Tensor States, Tensor Mask) RowsOf(Tensor encoded, Tensor mask, int[] rows, Device device)
    {
        var at = torch.tensor(rows.Select(r => (long)r).ToArray(), device: device);
        return (encoded.index_select(0, at), mask.index_select(0, at));
    }

    /// <summary>Label lists equal element by element (tasks of different definitions with the same labels share decoder passes).</summary>
    private sealed class LabelSetComparer : IEqualityComparer<IReadOnlyList<string>>
    {
        public static readonly LabelSetComparer Instance = new();

        public bool Equals(IReadOnlyList<string>? x, IReadOnlyList<string>? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.SequenceEqual(y, StringComparer.Ordinal));

        public int GetHashCode(IReadOnlyList<string> labels)
        {
            var hash = new HashCode();
            foreach (string label in labels) hash.Add(label, StringComparer.Ordinal);
            return hash.ToHashCode();
        }
    }
}
