namespace Mpt.Metrics;

/// <summary>
/// The stable keys of the dictionaries the metrics return. They equal the keys of the metrics golden set
/// (<c>golden/metrics/metrics_golden.json</c>, <c>expected</c>), so a report can be compared with it directly.
/// Every score is a percentage (×100), as in ATTEMPT and T5.
/// </summary>
public static class MetricNames
{
    /// <summary>100 · mean(prediction == target), string equality.</summary>
    public const string Accuracy = "accuracy";
    /// <summary>100 · F1 of class "1"; an invalid prediction is counted as the wrong class (t5 f1_score_with_invalid).</summary>
    public const string F1Binary = "f1_binary";
    /// <summary>100 · unweighted mean of the per-class F1 over the labels 0..C-1 (absent classes score 0 and count).</summary>
    public const string F1Macro = "f1_macro";
    /// <summary>100 · Matthews correlation (sklearn), each distinct invalid string its own class (ATTEMPT).</summary>
    public const string MatthewsCorrelation = "matthews_corrcoef";
    /// <summary>100 · Pearson r of the parsed floats; 0 where undefined (ATTEMPT).</summary>
    public const string Pearson = "pearson";
    /// <summary>100 · Spearman rho (average ranks for ties); 0 where undefined (ATTEMPT).</summary>
    public const string Spearman = "spearman";
    /// <summary>100 · mean exact match after SQuAD normalisation (max over gold answers).</summary>
    public const string ExactMatch = "exact_match";
    /// <summary>100 · mean token F1 after SQuAD normalisation (max over gold answers).</summary>
    public const string F1 = "f1";
    /// <summary>ATTEMPT's name for exact match in its SQuAD metric (used by the duplicated-rows ReCoRD variant).</summary>
    public const string AttemptExactMatch = "em";
    /// <summary>MultiRC: 100 · binary F1 over all answer options (invalid prediction = wrong).</summary>
    public const string MultiRcF1a = "f1a";
    /// <summary>MultiRC: 100 · mean over questions of the macro F1 of that question's options (SuperGLUE f1_m).</summary>
    public const string MultiRcF1mMacroPerQuestion = "f1m_macro_per_question";
    /// <summary>100 · fraction of predictions that are not one of the task's label strings.</summary>
    public const string InvalidRate = "invalid_rate";
}
