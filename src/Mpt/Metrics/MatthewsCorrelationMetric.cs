namespace Mpt.Metrics;

/// <summary>
/// Matthews correlation coefficient × 100, computed as ATTEMPT does: sklearn <c>matthews_corrcoef(targets,
/// predictions)</c> on the decoded strings, so every distinct string is a class of its own (two different invalid
/// generations are two classes; t5 instead merges all of them into -1 and can give a different value). Multiclass
/// form (Gorodkin's R_K); 0 when a marginal is degenerate, e.g. every prediction is the same class.
/// With a label list it also reports <see cref="MetricNames.InvalidRate"/>.
/// </summary>
public sealed class MatthewsCorrelationMetric(IReadOnlyList<string>? labels = null) : IPredictionMetric
{
    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Compute(IReadOnlyList<string> targets, IReadOnlyList<string> predictions)
    {
        MetricInputs.CheckPaired(targets, predictions, "matthews_corrcoef");
        var targetCounts = new Dictionary<string, double>(StringComparer.Ordinal);
        var predictionCounts = new Dictionary<string, double>(StringComparer.Ordinal);
        double correct = 0;
        for (int i = 0; i < targets.Count; i++)
        {
            targetCounts[targets[i]] = targetCounts.GetValueOrDefault(targets[i]) + 1;
            predictionCounts[predictions[i]] = predictionCounts.GetValueOrDefault(predictions[i]) + 1;
            if (targets[i] == predictions[i]) correct++;
        }
        double n = targets.Count;
        // sklearn: cov(yt,yp) = c·s − Σ t_k p_k, cov(yp,yp) = s² − Σ p_k², cov(yt,yt) = s² − Σ t_k² (counts are exact
        // integers in doubles, so the summation order cannot change the value).
        double dotTp = targetCounts.Sum(kv => kv.Value * predictionCounts.GetValueOrDefault(kv.Key));
        double covTp = correct * n - dotTp;
        double covPp = n * n - predictionCounts.Values.Sum(p => p * p);
        double covTt = n * n - targetCounts.Values.Sum(t => t * t);
        double mcc = covPp * covTt == 0 ? 0.0 : covTp / Math.Sqrt(covTt * covPp);
        var result = new Dictionary<string, double> { [MetricNames.MatthewsCorrelation] = 100.0 * mcc };
        if (labels is not null) result[MetricNames.InvalidRate] = MetricInputs.InvalidRate(predictions, labels);
        return result;
    }
}
