namespace Mpt.Metrics;

/// <summary>The metrics a task can declare; <see cref="MetricSuite"/> turns them into scores.</summary>
public enum MetricKind
{
    /// <summary><see cref="AccuracyMetric"/>.</summary>
    Accuracy,
    /// <summary><see cref="BinaryF1Metric"/> (t5 f1_score_with_invalid).</summary>
    F1Binary,
    /// <summary><see cref="MacroF1Metric"/> over the task's labels.</summary>
    F1Macro,
    /// <summary><see cref="MatthewsCorrelationMetric"/>.</summary>
    MatthewsCorrelation,
    /// <summary><see cref="PearsonMetric"/>.</summary>
    Pearson,
    /// <summary><see cref="SpearmanMetric"/>.</summary>
    Spearman,
    /// <summary><see cref="SquadMetric"/> (targets are gold answer lists).</summary>
    Squad,
    /// <summary><see cref="RecordMetric"/> (official, deduplicated per query).</summary>
    Record,
    /// <summary><see cref="MultiRcMetric"/> (needs the row groups).</summary>
    MultiRc,
}
