namespace Mpt.Metrics;

/// <summary>Shared argument checks and counting helpers for the metrics.</summary>
internal static class MetricInputs
{
    public static void CheckPaired<TA, TB>(IReadOnlyList<TA> targets, IReadOnlyList<TB> predictions, string metric)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(predictions);
        if (targets.Count != predictions.Count)
            throw new ArgumentException(
                $"{metric}: {targets.Count} targets but {predictions.Count} predictions; they must pair one to one.");
        if (targets.Count == 0)
            throw new ArgumentException($"{metric}: no examples to score.");
    }

    /// <summary>100 · fraction of predictions that are not exactly one of <paramref name="labels"/>.</summary>
    public static double InvalidRate(IReadOnlyList<string> predictions, IReadOnlyList<string> labels)
    {
        var set = new HashSet<string>(labels, StringComparer.Ordinal);
        int invalid = predictions.Count(p => !set.Contains(p));
        return 100.0 * invalid / predictions.Count;
    }

    /// <summary>F1 = 2tp / (2tp + fp + fn), 0 when the denominator is 0 (sklearn's zero_division default).</summary>
    public static double F1(long tp, long fp, long fn)
    {
        long denominator = 2 * tp + fp + fn;
        return denominator == 0 ? 0.0 : 2.0 * tp / denominator;
    }
}
