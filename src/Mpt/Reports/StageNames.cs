namespace Mpt.Reports;

/// <summary>Stage order in the report: the pipeline's order (teacher → distill → adapt), then other stages by name.</summary>
public static class StageNames
{
    /// <summary>Single-task source prompts (paper §3.2, the teachers).</summary>
    public const string Teacher = "teacher";

    /// <summary>Multitask prompt distillation into P*, u, v (paper §3.2, Eq. 3–5).</summary>
    public const string Distill = "distill";

    /// <summary>Target adaptation (paper §3.3).</summary>
    public const string Adapt = "adapt";

    private static readonly string[] Pipeline = [Teacher, Distill, Adapt];

    /// <summary>The stages in report order.</summary>
    public static List<string> Order(IEnumerable<string> stages) =>
        stages.Distinct(StringComparer.Ordinal)
            .OrderBy(s => Array.IndexOf(Pipeline, s) is var i && i >= 0 ? i : Pipeline.Length)
            .ThenBy(s => s, StringComparer.Ordinal)
            .ToList();
}
