namespace Mpt.Metrics;

/// <summary>A metric over free-text answers where each question has one or more acceptable gold answers.</summary>
public interface IQuestionAnsweringMetric
{
    /// <summary>Scores one prediction per question against that question's gold answers (max over golds).</summary>
    IReadOnlyDictionary<string, double> Compute(IReadOnlyList<IReadOnlyList<string>> goldAnswers, IReadOnlyList<string> predictions);
}
