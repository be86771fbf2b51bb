namespace Mpt.Metrics;

/// <summary>
/// The official SQuAD v1.1 metric (also ATTEMPT's <c>metrics.squad</c> for SQuAD, MRQA and ReCoRD rows):
/// per question, the max over gold answers of exact match and token F1 after <see cref="SquadText.Normalize"/>;
/// reported as 100 · mean over questions under <see cref="MetricNames.ExactMatch"/> and <see cref="MetricNames.F1"/>.
/// A question without gold answers scores 0.
/// </summary>
public sealed class SquadMetric : IQuestionAnsweringMetric
{
    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Compute(IReadOnlyList<IReadOnlyList<string>> goldAnswers,
        IReadOnlyList<string> predictions)
    {
        MetricInputs.CheckPaired(goldAnswers, predictions, "squad");
        double em = 0, f1 = 0;
        for (int i = 0; i < predictions.Count; i++)
        {
            (double e, double f) = Score(goldAnswers[i], predictions[i]);
            em += e;
            f1 += f;
        }
        return new Dictionary<string, double>
        {
            [MetricNames.ExactMatch] = 100.0 * em / predictions.Count,
            [MetricNames.F1] = 100.0 * f1 / predictions.Count,
        };
    }

    /// <summary>(exact match, F1) of one prediction, each the max over the gold answers, as fractions.</summary>
    public static (double ExactMatch, double F1) Score(IReadOnlyList<string> golds, string prediction)
    {
        ArgumentNullException.ThrowIfNull(golds);
        double em = 0, f1 = 0;
        foreach (string gold in golds)
        {
            em = Math.Max(em, SquadText.ExactMatch(prediction, gold));
            f1 = Math.Max(f1, SquadText.F1(prediction, gold));
        }
        return (em, f1);
    }
}
