using System.Globalization;
using System.Text;
using Mpt.Pipeline;

namespace Mpt.Reports;

/// <summary>
/// <c>mpt report RUN --selection</c>: the checkpoint-selection replay of a run that recorded its test curves
/// (<see cref="SelectionReplay"/>) as text — per target and method, for every rule, how many seeds keep step 0, the mean
/// kept step, the mean test score and the paired difference to the reference rule with its interval; then the same
/// over all targets and methods.
/// </summary>
public static class SelectionLines
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The printed replay; a sentence saying so when no run recorded a curve.</summary>
    public static string Format(SelectionReplay.Outcome outcome, int recordedRuns)
    {
        var text = new StringBuilder();
        if (outcome.Groups.Count == 0)
            return "no target run of this folder recorded a selection curve: rerun adaptation with --set adapt.record_test_curve=true (analysis only).\n";
        var first = outcome.Groups.SelectMany(g => g.Outcomes).FirstOrDefault(o => o.VersusReference is not null)?.VersusReference;
        text.AppendLine($"checkpoint selection replayed on {recordedRuns} target runs; differences are rule − {outcome.Reference}" +
                        (first is null ? "" : $" with a {ComparisonLines.Percent(first.Confidence)} paired bootstrap interval over seeds and test examples ({first.Resamples.ToString("N0", Invariant)} resamples)") + ":");
        foreach (var rule in SelectionReplay.Rules) text.AppendLine($"  {rule.Name,-13} {rule.Description}");
        var rows = new List<string[]> { new[] { "target", "method", "rule", "step 0", "step", "test", $"− {outcome.Reference}", "" } };
        foreach (var group in outcome.Groups)
            foreach (var o in group.Outcomes)
                rows.Add([group.Target, MethodNames.Display(group.Method), o.Rule, $"{o.StepZeroPicks}/{o.Runs}", o.MeanStep.ToString("F1", Invariant),
                    o.MeanTest.ToString("F2", Invariant), Versus(o), o.VersusReference is { Distinguishable: true } ? "distinguishable" : ""]);
        Table(text, rows);
        text.AppendLine();
        text.AppendLine("over all targets and methods (each target × method weighs the same):");
        var overall = new List<string[]> { new[] { "rule", "step 0", "test", $"− {outcome.Reference}", "distinguishable groups (better / worse)" } };
        foreach (var rule in SelectionReplay.Rules)
        {
            var outcomes = outcome.Groups.Select(g => g.Outcomes.Single(o => o.Rule == rule.Name)).ToList();
            var reference = outcome.Groups.Select(g => g.Outcomes.Single(o => o.Rule == outcome.Reference)).ToList();
            int better = outcomes.Count(o => o.VersusReference is { Distinguishable: true, Mean: > 0 });
            int worse = outcomes.Count(o => o.VersusReference is { Distinguishable: true, Mean: < 0 });
            overall.Add([rule.Name, $"{outcomes.Sum(o => o.StepZeroPicks)}/{outcomes.Sum(o => o.Runs)}", outcomes.Average(o => o.MeanTest).ToString("F2", Invariant),
                rule.Name == outcome.Reference ? "" : ComparisonLines.Signed(outcomes.Average(o => o.MeanTest) - reference.Average(o => o.MeanTest)),
                rule.Name == outcome.Reference ? "" : $"{better} / {worse} of {outcomes.Count}"]);
        }
        Table(text, overall);
        foreach (string mismatch in outcome.Mismatches) text.AppendLine($"warning: {mismatch}");
        return text.ToString();
    }

    private static string Versus(SelectionReplay.RuleOutcome o) => o.VersusReference is { } v
        ? $"{ComparisonLines.Signed(v.Mean)} [{ComparisonLines.Signed(v.Low)}, {ComparisonLines.Signed(v.High)}]"
        : "(reference)";

    private static void Table(StringBuilder text, IReadOnlyList<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows) text.AppendLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
    }
}
