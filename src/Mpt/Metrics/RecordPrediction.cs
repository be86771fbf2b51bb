namespace Mpt.Metrics;

/// <summary>
/// One evaluated ReCoRD row: the query it belongs to, all gold answers of that query, and the generated answer.
/// The task formatter emits one row per gold answer (ATTEMPT), so several rows may share a <paramref name="QueryId"/>.
/// </summary>
/// <param name="QueryId">Identifies the query (e.g. "passage-query" from <c>idx</c>).</param>
/// <param name="Answers">Every gold answer of the query (<c>extra_fields.answers</c>).</param>
/// <param name="Prediction">The decoded generation for this row.</param>
public sealed record RecordPrediction(string QueryId, IReadOnlyList<string> Answers, string Prediction);
