namespace Mpt.Serving;

/// <summary>What a served task predicts for one input: a label and every label's score, or (a T5 task without labels) a text.</summary>
/// <param name="Label">The best-scored label; null for a generated <see cref="Text"/>.</param>
/// <param name="Scores">
/// Every label's score, exactly as the library computes it for <c>mpt predict</c> (unrounded), not probabilities
/// (<see cref="Prediction"/> has the softmax): for an encoder the similarity verbaliser's cos(pool([P; x]), e_c) / τ; for
/// T5 the rank-classification log-likelihood log p(c | [P; x]) of each label text (<see cref="Evaluation.RankClassifier"/>).
/// Empty for a generated text.
/// </param>
public sealed record ServedPrediction(string? Label, IReadOnlyDictionary<string, double> Scores)
{
    /// <summary>The greedy generation of a T5 task without labels (decoded and stripped as <c>mpt predict</c> does), else null.</summary>
    public string? Text { get; init; }

    /// <summary>A generated text (no label, no scores).</summary>
    internal static ServedPrediction Generated(string text) => new(null, new Dictionary<string, double>()) { Text = text };
}
