namespace Mpt.Metrics;

/// <summary>
/// A metric over decoded strings whose examples belong to groups (MultiRC: the answer options of one question),
/// so some scores are computed per group and averaged.
/// </summary>
public interface IGroupedPredictionMetric
{
    /// <summary>Scores the predictions; <paramref name="groups"/> gives each example's group key.</summary>
    IReadOnlyDictionary<string, double> Compute(IReadOnlyList<string> targets, IReadOnlyList<string> predictions,
        IReadOnlyList<string> groups);
}
