namespace Mpt.Reports;

/// <summary>A symmetric task-by-task similarity table, labelled by task name.</summary>
/// <param name="Title">What was compared, e.g. "Teacher prompts".</param>
/// <param name="Labels">Task name of each row and column.</param>
/// <param name="Values">[i, j] = similarity of task i and task j (NaN when undefined, e.g. an all-zero prompt).</param>
public sealed record SimilarityMatrix(string Title, IReadOnlyList<string> Labels, double[,] Values)
{
    /// <summary>Number of tasks.</summary>
    public int Count => Labels.Count;
}
