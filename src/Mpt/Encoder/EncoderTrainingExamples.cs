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
    public static TrainingExample Create(IEncoderTokenizer tokenizer, string text, string? pair, int label, int taskId, int maxLength = 256)
    {
        if (label < 0) throw new ArgumentOutOfRangeException(nameof(label), $"label must be a non-negative class index, got {label}.");
        var input = tokenizer.Encode(text, pair, maxLength);
        return new TrainingExample(input.InputIds, [label], taskId) { TokenTypeIds = input.TokenTypeIds };
    }
}
