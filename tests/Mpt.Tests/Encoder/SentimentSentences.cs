using Mpt.Encoder;
using Mpt.Training;

namespace Mpt.Tests.Encoder;

/// <summary>
/// Tiny hand-written classification data for tests on the real MiniLM: 16 short movie-review sentences (8 negative =
/// label 0, 8 positive = label 1) and 12 short topic sentences (sport 0, food 1, weather 2). Written for these tests.
/// </summary>
internal static class SentimentSentences
{
    public static readonly string[] Negative =
    [
        "The plot was dull and the acting was worse.",
        "I walked out halfway through, what a waste.",
        "Boring, slow and far too long.",
        "The jokes fell flat every single time.",
        "A messy script with no heart at all.",
        "I regret paying for this ticket.",
        "The ending made no sense and ruined it.",
        "Painful to sit through, avoid it.",
    ];

    public static readonly string[] Positive =
    [
        "A warm, funny film that I loved.",
        "The cast is brilliant and the story moves fast.",
        "I laughed, I cried, I want to see it again.",
        "Beautifully shot and wonderfully acted.",
        "One of the best movies of the year.",
        "A delightful surprise from start to finish.",
        "Smart, charming and full of life.",
        "The music and the pictures are gorgeous.",
    ];

    public static readonly string[][] Topics =
    [
        ["The striker scored twice in the final.", "She won the tennis match in three sets.", "The team trains every morning.", "He ran the marathon in record time."],
        ["Add the garlic and fry the onions.", "This soup needs more salt.", "We baked bread with fresh butter.", "The pasta was cooked just right."],
        ["Heavy rain is expected tomorrow.", "The wind blew hard all night.", "It will be sunny and warm.", "Snow covered the hills this morning."],
    ];

    /// <summary>The 16 sentiment examples of task <paramref name="taskId"/>, alternating negative and positive.</summary>
    public static List<TrainingExample> Sentiment(IEncoderTokenizer tokenizer, int taskId = 0) =>
        Enumerable.Range(0, Negative.Length)
            .SelectMany(i => new[] { (Negative[i], 0), (Positive[i], 1) })
            .Select(x => EncoderTrainingExamples.Create(tokenizer, x.Item1, null, x.Item2, taskId))
            .ToList();

    /// <summary>The 12 topic examples of task <paramref name="taskId"/>.</summary>
    public static List<TrainingExample> Topic(IEncoderTokenizer tokenizer, int taskId) =>
        Topics.SelectMany((sentences, label) => sentences.Select(s => EncoderTrainingExamples.Create(tokenizer, s, null, label, taskId))).ToList();
}
