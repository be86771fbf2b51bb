using Mpt.Training;

namespace Mpt.Encoder;

/// <summary>Text → <see cref="TrainingExample"/> for a classifier backbone (<see cref="PromptedEncoder"/>).</summary>
public static class EncoderTrainingExamples
{
    /// <summary>
    /// Tokenizes <c>[CLS] text [SEP]</c>, or the pair <c>[CLS] text [SEP] pair [SEP]</c> with token types 0 / 1 (HF's
    /// longest-first truncation to <paramref name="maxLength"/>), labelled with class <paramref name="label"/> of task
    /// <paramref name="taskId"/>.
    /// </summary>
    /// <param name="tokenizer">The backbone's tokenizer.</param>
    /// <param name="text">The (first) text.</param>
    /// <param name="pair">The second text of a pair, or null.</param>
    /// <param name="label">Class index in the task's label set.</param>
    /// <param name="taskId">Task index of the example.</param>
    /// <param name="maxLength">Longest input in ids, special tokens included.</param>
    /// <param name="store">Where to keep the ids of a large set of examples (2 bytes each instead of 8); with a store,
    /// token types that are all 0 (every single-text input) are not stored at all: a null
    /// <see cref="TrainingExample.TokenTypeIds"/> is read as all 0 by the collators, as BERT's default token types are.
    /// Null keeps the tokenizer's own lists (one-off examples, as in serving).</param>
    public static TrainingExample Create(IEncoderTokenizer tokenizer, string text, string? pair, int label, int taskId, int maxLength = 256,
        TokenIdStore? store = null)
    {
        if (label < 0) throw new ArgumentOutOfRangeException(nameof(label), $"label must be a non-negative class index, got {label}.");
        var input = tokenizer.Encode(text, pair, maxLength);
        if (store is null) return new TrainingExample(input.InputIds, [label], taskId) { TokenTypeIds = input.TokenTypeIds };
        return new TrainingExample(store.Add(input.InputIds), [label], taskId)
        {
            TokenTypeIds = input.TokenTypeIds.All(t => t == 0) ? null : store.Add(input.TokenTypeIds),
        };
    }
}
