using System.Globalization;
using System.Text;

namespace Mpt.Reports;

/// <summary>
/// The paired comparisons of a run (<see cref="RunResults.Comparisons"/>) as text and as a report table: per target,
/// the difference of two methods with its bootstrap interval and whether it is distinguishable from 0, e.g.
/// <c>uci-amazon  MPT − PT  +0.7 [−2.1, +3.4]  not distinguishable from 0</c>. Printed under the results tables of
/// <c>mpt run</c> and the quickstart, and tabulated in the report, from the one formatting here.
/// </summary>
public static class ComparisonLines
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// The lines to print under a results table: a heading line, then one aligned line per target and comparison of two
    /// trained methods (those against the untrained baselines stay in results.json and the report); empty when there is
    /// nothing to print.
    /// </summary>
    /// <param name="comparisons">Target → comparisons, as results.json holds them.</param>
    /// <param name="pooledFolders">When the comparisons pool several run folders (<c>mpt report --pool</c>), how many: the
    /// heading then says that the folders were resampled too.</param>
    public static string Format(IReadOnlyDictionary<string, IReadOnlyDictionary<string, MethodComparison>>? comparisons, int? pooledFolders = null)
    {
        var rows = Printed(comparisons).Select(x => (Task: x.Task, Pair: Pair(x.C), Value: Interval(x.C), Verdict: Verdict(x.C))).ToList();
        if (rows.Count == 0) return "";
        var first = Printed(comparisons).First().C;
        var text = new StringBuilder();
        string resamples = first.Resamples.ToString("N0", Invariant);
        text.AppendLine(pooledFolders is int folders
            ? $"paired differences pooled over {folders} run folders ({Percent(first.Confidence)} bootstrap interval over the folders, the seeds " +
              $"(the same in every folder) and the test examples, {resamples} resamples; docs/statistics.md):"
            : $"paired differences ({Percent(first.Confidence)} bootstrap interval over seeds and test examples, {resamples} resamples; docs/statistics.md):");
        int task = rows.Max(r => r.Task.Length), pair = rows.Max(r => r.Pair.Length), value = rows.Max(r => r.Value.Length);
        foreach (var r in rows)
            text.AppendLine($"{r.Task.PadRight(task)}  {r.Pair.PadRight(pair)}  {r.Value.PadRight(value)}  {r.Verdict}");
        return text.ToString();
    }

    /// <summary><c>+0.7 [−2.1, +3.4]</c>: the observed difference and the interval, in points with one decimal.</summary>
    public static string Interval(MethodComparison c) => $"{Signed(c.Mean)} [{Signed(c.Low)}, {Signed(c.High)}]";

    /// <summary><c>MPT − PT</c>.</summary>
    public static string Pair(MethodComparison c) => $"{MethodNames.Display(c.A)} − {MethodNames.Display(c.B)}";

    /// <summary>Whether the interval excludes 0, in words.</summary>
    public static string Verdict(MethodComparison c) =>
        c.Distinguishable ? $"distinguishable from 0 ({MethodNames.Display(c.Mean > 0 ? c.A : c.B)} better)" : "not distinguishable from 0";

    /// <summary>What the report says under the results table of a run without comparisons.</summary>
    public const string NoneRecorded =
        "No paired comparisons in results.json (its runs have no per-example test predictions): the differences above carry no " +
        "intervals, so none of them can be told apart from seed and test-sample noise (docs/statistics.md).";

    /// <summary>
    /// The report's section: every comparison as a table, and one sentence naming the differences that are
    /// distinguishable from 0 (or saying that none is).
    /// </summary>
    internal static void AddTo(ReportDocument doc, IReadOnlyDictionary<string, IReadOnlyDictionary<string, MethodComparison>> comparisons)
    {
        var all = comparisons.SelectMany(t => t.Value.Values.Select(c => (Task: t.Key, C: c))).ToList();
        if (all.Count == 0) return;
        var first = all[0].C;
        doc.Add(new HeadingBlock(2, "Paired comparisons"));
        doc.Add(new ParagraphBlock($"Difference of test scores (points) between two methods, with a {Percent(first.Confidence)} percentile interval " +
            $"from a paired bootstrap over seeds and test examples ({first.Resamples.ToString("N0", Invariant)} resamples; both methods are " +
            "rescored on the same resampled seeds and examples). A difference whose interval contains 0 cannot be told apart from the " +
            "variation between seeds and test samples. The run's teachers and distilled prompt are trained once, so the intervals do not cover " +
            "another distillation, which moves MPT (and SPoT with other teachers): mpt report RUN --pool OTHER... pools run folders that " +
            "differ in it (docs/statistics.md)."));
        var rows = all.Select(x => (IReadOnlyList<TableCell>)[
            x.Task, Pair(x.C), Signed(x.C.Mean), $"[{Signed(x.C.Low)}, {Signed(x.C.High)}]", x.C.Seeds.ToString(Invariant),
            x.C.Examples.ToString(Invariant), new TableCell(x.C.Distinguishable ? "yes" : "no", x.C.Distinguishable)]).ToList();
        doc.Add(new TableBlock(["Task", "Comparison", "Difference", "Interval", "Seeds", "Test examples", "Distinguishable from 0"], rows,
            [false, false, true, true, true, true, false]));
        var distinguishable = all.Where(x => x.C.Distinguishable).Select(x => $"{Pair(x.C)} on {x.Task} ({Signed(x.C.Mean)})").ToList();
        doc.Add(new ParagraphBlock(distinguishable.Count == 0
            ? "None of these differences is distinguishable from 0: this run does not separate the methods from seed and test-sample noise."
            : $"Distinguishable from 0: {string.Join("; ", distinguishable)}. The other differences are within seed and test-sample noise."));
    }

    private static IEnumerable<(string Task, MethodComparison C)> Printed(IReadOnlyDictionary<string, IReadOnlyDictionary<string, MethodComparison>>? comparisons) =>
        (comparisons ?? new Dictionary<string, IReadOnlyDictionary<string, MethodComparison>>())
            .SelectMany(t => t.Value.Values.Where(c => Methods.AdaptMethods.ByKey(c.B) is not { Trained: false }).Select(c => (t.Key, c)));

    internal static string Signed(double value)
    {
        double rounded = Math.Round(value, 1, MidpointRounding.AwayFromZero);
        string magnitude = Math.Abs(rounded).ToString("F1", Invariant);
        return rounded < 0 ? $"−{magnitude}" : $"+{magnitude}";
    }

    internal static string Percent(double confidence) => $"{(100 * confidence).ToString("0.#", Invariant)} %";
}
