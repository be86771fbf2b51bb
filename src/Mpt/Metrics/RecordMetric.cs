namespace Mpt.Metrics;

/// <summary>
/// ReCoRD scoring in its two reference forms.
/// <list type="bullet">
/// <item><see cref="Compute"/>: the official ReCoRD v1.0 script (= t5 <c>deduplicate_metric(squad)</c>): one score per
/// query (the first row of each query is kept), max over its answers, keys <c>exact_match</c> / <c>f1</c>.</item>
/// <item><see cref="ComputeAttemptRows"/>: what ATTEMPT reports, SQuAD over the rows as they come, one per gold answer
/// and no deduplication, so a query weighs as many times as it has answers; keys <c>em</c> / <c>f1</c>.</item>
/// </list>
/// </summary>
public sealed class RecordMetric
{
    /// <summary>Official ReCoRD v1.0: deduplicated by query, ×100.</summary>
    public IReadOnlyDictionary<string, double> Compute(IReadOnlyList<RecordPrediction> rows)
    {
        Check(rows);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var firstPerQuery = rows.Where(r => seen.Add(r.QueryId)).ToList();
        return new SquadMetric().Compute(firstPerQuery.Select(r => r.Answers).ToList(),
            firstPerQuery.Select(r => r.Prediction).ToList());
    }

    /// <summary>ATTEMPT's number: SQuAD over every row (max over the query's answers), no deduplication, ×100.</summary>
    public IReadOnlyDictionary<string, double> ComputeAttemptRows(IReadOnlyList<RecordPrediction> rows)
    {
        Check(rows);
        IReadOnlyDictionary<string, double> squad = new SquadMetric().Compute(rows.Select(r => r.Answers).ToList(),
            rows.Select(r => r.Prediction).ToList());
        return new Dictionary<string, double>
        {
            [MetricNames.AttemptExactMatch] = squad[MetricNames.ExactMatch],
            [MetricNames.F1] = squad[MetricNames.F1],
        };
    }

    private static void Check(IReadOnlyList<RecordPrediction> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) throw new ArgumentException("record: no rows to score.");
    }
}
