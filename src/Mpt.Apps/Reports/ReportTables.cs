using System.Globalization;

namespace Mpt.Reports;

/// <summary>The report's tables, built from <c>results.json</c> and <c>metrics.jsonl</c>.</summary>
internal static class ReportTables
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Placeholder of a cell without a value.</summary>
    public const string None = "—";

    /// <summary>
    /// Per target task, the test score of every method as mean ± std over seeds (just the mean for one seed), the best
    /// mean of each row in bold — compared at the printed precision, so equal-looking numbers are bolded together — and,
    /// with two or more tasks, an average row over the methods that have every task (the paper's "Avg." column).
    /// </summary>
    public static TableBlock Results(IReadOnlyDictionary<string, IReadOnlyDictionary<string, MethodResult>> targets, int decimals)
    {
        var methods = MethodNames.Order(targets.Values.SelectMany(m => m.Keys));
        var rows = new List<IReadOnlyList<TableCell>>();
        foreach (var (task, results) in targets)
        {
            string metric = string.Join(", ", results.Values.Select(r => r.Metric).Distinct(StringComparer.Ordinal));
            var means = methods.Select(m => results.TryGetValue(m, out var r) ? Math.Round(r.Mean, decimals) : (double?)null).ToList();
            double? best = means.Max();
            var row = new List<TableCell> { task, metric };
            for (int i = 0; i < methods.Count; i++)
                row.Add(results.TryGetValue(methods[i], out var r) ? new TableCell(Score(r, decimals), means[i] == best) : None);
            rows.Add(row);
        }
        if (targets.Count >= 2)
        {
            var averages = methods
                .Select(m => targets.Values.All(t => t.ContainsKey(m)) ? Math.Round(targets.Values.Average(t => t[m].Mean), decimals) : (double?)null)
                .ToList();
            double? best = averages.Max();
            var row = new List<TableCell> { "Average", "" };
            row.AddRange(averages.Select(a => a is { } v ? new TableCell(Number(v, decimals), v == best) : new TableCell(None)));
            rows.Add(row);
        }
        return new TableBlock(["Task", "Metric", .. methods.Select(MethodNames.Display)], rows,
            [false, false, .. methods.Select(_ => true)]);
    }

    /// <summary>
    /// Trainable parameters per method (the range when they differ between target tasks) and, when the backbone size is
    /// known, as a percentage of it.
    /// </summary>
    public static TableBlock Parameters(IReadOnlyDictionary<string, IReadOnlyDictionary<string, MethodResult>> targets, long? backboneParams)
    {
        var methods = MethodNames.Order(targets.Values.SelectMany(m => m.Keys));
        var rows = new List<IReadOnlyList<TableCell>>();
        foreach (string method in methods)
        {
            var counts = targets.Values.Where(t => t.ContainsKey(method)).Select(t => t[method].TrainableParams).ToList();
            long min = counts.Min(), max = counts.Max();
            string text = min == max ? Count(min) : $"{Count(min)} – {Count(max)}";
            var row = new List<TableCell> { MethodNames.Display(method), text };
            if (backboneParams is > 0 and { } total)
                row.Add(min == max ? Percent(min, total) : $"{Percent(min, total)} – {Percent(max, total)}");
            rows.Add(row);
        }
        return backboneParams is > 0
            ? new TableBlock(["Method", "Trainable parameters per task", "% of backbone"], rows, [false, true, true])
            : new TableBlock(["Method", "Trainable parameters per task"], rows, [false, true]);
    }

    /// <summary>
    /// Wall clock per stage from <c>results.json</c>, with the stage's steps and its median logged throughput from
    /// <c>metrics.jsonl</c> when present, and a total row.
    /// </summary>
    public static TableBlock WallClock(IReadOnlyDictionary<string, StageSummary> stages, IReadOnlyList<StepMetrics>? metrics)
    {
        var rows = new List<IReadOnlyList<TableCell>>();
        foreach (string stage in StageNames.Order(stages.Keys))
        {
            var summary = stages[stage];
            var throughput = metrics?.Where(m => m.Stage == stage && m.TokensPerS is not null).Select(m => m.TokensPerS!.Value).ToList();
            rows.Add([
                stage, Duration(summary.WallClockS), summary.WallClockS.ToString("F1", Invariant),
                summary.Steps is { } steps ? Count(steps) : None,
                throughput is { Count: > 0 } ? Median(throughput).ToString("F0", Invariant) : None,
            ]);
        }
        double total = stages.Values.Sum(s => s.WallClockS);
        rows.Add([new TableCell("Total", true), new TableCell(Duration(total), true), new TableCell(total.ToString("F1", Invariant), true), "", ""]);
        return new TableBlock(["Stage", "Wall clock", "Seconds", "Steps", "Median tokens/s"], rows, [false, true, true, true, true]);
    }

    /// <summary>The values of a similarity heatmap as a table (rows and columns in the heatmap's order).</summary>
    public static TableBlock Similarity(SimilarityMatrix matrix)
    {
        var rows = new List<IReadOnlyList<TableCell>>();
        for (int r = 0; r < matrix.Count; r++)
        {
            var row = new List<TableCell> { matrix.Labels[r] };
            for (int c = 0; c < matrix.Count; c++)
                row.Add(double.IsNaN(matrix.Values[r, c]) ? "n/a" : matrix.Values[r, c].ToString("F2", Invariant));
            rows.Add(row);
        }
        return new TableBlock(["", .. matrix.Labels], rows, [false, .. matrix.Labels.Select(_ => true)]);
    }

    /// <summary><c>mean ± std</c>, or the mean alone for a single seed.</summary>
    public static string Score(MethodResult result, int decimals) =>
        result.NSeeds > 1 ? $"{Number(result.Mean, decimals)} ± {Number(result.Std, decimals)}" : Number(result.Mean, decimals);

    private static string Number(double value, int decimals) => value.ToString("F" + decimals, Invariant);

    private static string Count(long value) => value.ToString("N0", Invariant);

    private static string Percent(long part, long total) => $"{(100.0 * part / total).ToString("G3", Invariant)} %";

    /// <summary>h:mm:ss (days folded into hours).</summary>
    internal static string Duration(double seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Round(seconds));
        return $"{(int)span.TotalHours}:{span.Minutes:D2}:{span.Seconds:D2}";
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
