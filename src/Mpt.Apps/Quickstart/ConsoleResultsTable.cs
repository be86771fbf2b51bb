using System.Globalization;
using System.Text;
using Mpt.Methods;
using Mpt.Reports;

namespace Mpt.Quickstart;

/// <summary>
/// The results table the quickstart prints: one row per target, one column per method (majority and no-prompt
/// baselines first, then PT, SPoT, MPT), cells <c>mean ± std</c> over seeds, then a row of trainable parameters.
/// Plain fixed-width text, so it reads the same in a terminal, a log file and docs/results.md (or as a Markdown pipe table).
/// </summary>
public static class ConsoleResultsTable
{
    /// <summary>Column order: baselines without training first, then the report's method order (PT, SPoT, MPT, others).</summary>
    public static List<string> MethodOrder(IEnumerable<string> methods) => MethodNames.BaselinesFirst(methods);

    /// <summary>Renders the table of <paramref name="targets"/> (task → method → result).</summary>
    /// <param name="targets">The results, as in results.json.</param>
    /// <param name="markdown">Write a Markdown pipe table instead of aligned columns.</param>
    /// <param name="comparisons">results.json's paired comparisons, printed under the table (<see cref="ComparisonLines"/>).</param>
    public static string Format(IReadOnlyDictionary<string, IReadOnlyDictionary<string, MethodResult>> targets, bool markdown = false,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, MethodComparison>>? comparisons = null)
    {
        var methods = MethodOrder(targets.Values.SelectMany(m => m.Keys));
        // The cells are each method's average metric (results.json "metric"): accuracy for the benchmark's tasks.
        var metrics = targets.Values.SelectMany(m => m.Values).Select(r => r.Metric).Distinct(StringComparer.Ordinal).ToList();
        var header = new List<string> { metrics is ["accuracy"] ? "target (accuracy %)" : "target (score)" };
        header.AddRange(methods.Select(Display));
        var rows = new List<List<string>>();
        foreach (var (task, byMethod) in targets)
        {
            var row = new List<string> { task };
            row.AddRange(methods.Select(m => byMethod.TryGetValue(m, out var r) ? ReportTables.Score(r, 1) : ReportTables.None));
            rows.Add(row);
        }
        var parameters = new List<string> { "trainable params" };
        parameters.AddRange(methods.Select(m =>
            targets.Values.Select(t => t.GetValueOrDefault(m)).FirstOrDefault(r => r is not null) is { } r
                ? r.TrainableParams.ToString("N0", CultureInfo.InvariantCulture)
                : ReportTables.None));
        rows.Add(parameters);
        return (markdown ? Markdown(header, rows) : Aligned(header, rows)) + ComparisonLines.Format(comparisons);
    }

    /// <summary>Printed method name (the registry's display name, see <see cref="MethodNames.Display"/>).</summary>
    public static string Display(string method) => MethodNames.Display(method);

    private static string Aligned(List<string> header, List<List<string>> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToList();
        var text = new StringBuilder();
        void Line(IReadOnlyList<string> cells) =>
            text.AppendLine(string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd());
        Line(header);
        text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows) Line(row);
        return text.ToString();
    }

    private static string Markdown(List<string> header, List<List<string>> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("| " + string.Join(" | ", header) + " |");
        text.AppendLine("|" + string.Join("|", header.Select((_, i) => i == 0 ? "---" : "---:")) + "|");
        foreach (var row in rows) text.AppendLine("| " + string.Join(" | ", row) + " |");
        return text.ToString();
    }
}
