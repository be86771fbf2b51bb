using Mpt.Metrics;

namespace Mpt.Evaluation;

/// <summary>The evaluation of one task.</summary>
/// <param name="Task">Catalogue name.</param>
/// <param name="Examples">Number of evaluated rows.</param>
/// <param name="Metrics">Every metric the task declares (percentages, keys from <see cref="MetricNames"/>), and
/// <c>invalid_rate</c> for tasks with a label list.</param>
/// <param name="InvalidRate">100 · fraction of predictions that are not a label string; null for free-text tasks.</param>
/// <param name="Average">ATTEMPT's <c>average_metrics</c> of the task: the mean of its score metrics (see
/// <see cref="EvaluationReport.ScoreKeys"/>).</param>
/// <param name="Decoding">"generate" or "rank".</param>
/// <param name="Predictions">Post-processed predictions, in row order.</param>
/// <param name="Targets">The targets they were scored against, in row order.</param>
public sealed record TaskEvaluationResult(
    string Task,
    int Examples,
    IReadOnlyDictionary<string, double> Metrics,
    double? InvalidRate,
    double Average,
    string Decoding,
    IReadOnlyList<string> Predictions,
    IReadOnlyList<string> Targets);
