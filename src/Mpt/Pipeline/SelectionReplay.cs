using Mpt.Evaluation;
using Mpt.Metrics;

namespace Mpt.Pipeline;

/// <summary>
/// Replays checkpoint-selection rules on the target runs of a run folder that recorded their
/// <see cref="SelectionCurve"/> (<c>adapt.record_test_curve</c>): which step each rule keeps, how often that is the
/// untrained step 0, the test score it would have had, and the paired difference to a reference rule with the paired
/// bootstrap over seeds and test examples (<see cref="PairedBootstrap"/>, docs/statistics.md). One multi-seed run thus
/// answers what every rule costs, without one run per rule (docs/results.md, "Checkpoint selection at 16 shots").
/// </summary>
public static class SelectionReplay
{
    /// <summary>A rule: a name and the evaluation it keeps from a run's curve (points in step order, step 0 first when recorded).</summary>
    public sealed record Rule(string Name, string Description, Func<IReadOnlyList<SelectionCurve.Point>, SelectionCurve.Point> Pick);

    /// <summary>The rules replayed: the three <c>adapt.selection</c> values with and without step 0, step 0 alone, and the test oracle.</summary>
    public static IReadOnlyList<Rule> Rules { get; } =
    [
        new("dev_metric+0", "best dev metric, step 0 competing (ties keep the earlier step): adapt.selection dev_metric with select_step_zero on", c => First(c, true, p => p.DevMetric)),
        new("dev_metric", "best dev metric over trained steps (ties keep the earlier step)", c => First(c, false, p => p.DevMetric)),
        new("dev_loss+0", "lowest dev loss, step 0 competing: adapt.selection dev_loss with select_step_zero on", c => First(c, true, p => -p.DevLoss)),
        new("dev_loss", "lowest dev loss over trained steps", c => First(c, false, p => -p.DevLoss)),
        new("last", "the last step: adapt.selection last", c => c[^1]),
        new("step0", "the untrained initial prompt (not a rule: what the transfer alone gives)", c => c[0]),
        new("oracle", "best TEST score (not a rule: the ceiling of any selection on these checkpoints)", c => First(c, true, p => p.Test)),
    ];

    /// <summary>The rule a run configured with <paramref name="selection"/> and step 0 on/off follows, by its replay name.</summary>
    public static string RuleOf(string selection, bool stepZero) => selection switch
    {
        AdaptConfig.SelectionLast => "last",
        _ => selection + (stepZero ? "+0" : ""),
    };

    /// <summary>One target run's recorded curve.</summary>
    public sealed record Run(string Target, string Method, long Seed, string Folder, IReadOnlyList<SelectionCurve.Point> Curve);

    /// <summary>What one rule does on one target and method over the seeds.</summary>
    /// <param name="Rule">The rule's name.</param>
    /// <param name="Runs">Seeds replayed.</param>
    /// <param name="StepZeroPicks">Seeds on which the rule keeps step 0.</param>
    /// <param name="MeanTest">Mean over seeds of the kept step's test score.</param>
    /// <param name="MeanStep">Mean kept step.</param>
    /// <param name="VersusReference">Difference to the reference rule (this − reference) with its interval; null for the reference itself.</param>
    public sealed record RuleOutcome(string Rule, int Runs, int StepZeroPicks, double MeanTest, double MeanStep, BootstrapInterval? VersusReference);

    /// <summary>One target and method: its outcome under every rule.</summary>
    public sealed record Group(string Target, string Method, IReadOnlyList<RuleOutcome> Outcomes);

    /// <summary>The whole replay.</summary>
    /// <param name="Reference">The rule the differences are taken against.</param>
    /// <param name="Groups">Per target and method (adapt folder order: targets, then methods, by name).</param>
    /// <param name="Mismatches">Runs whose replayed reference pick does not reproduce their recorded test_results.json score (should be none when the reference is the rule the run used).</param>
    public sealed record Outcome(string Reference, IReadOnlyList<Group> Groups, IReadOnlyList<string> Mismatches);

    /// <summary>Every single-target run under <c>adapt/</c> of <paramref name="runDir"/> that recorded a curve, in target, method, seed order.</summary>
    /// <exception cref="InvalidDataException">A curve file is damaged (named).</exception>
    public static IReadOnlyList<Run> Load(string runDir)
    {
        string adapt = Path.Combine(runDir, PipelineRunner.AdaptDir);
        var runs = new List<Run>();
        if (!Directory.Exists(adapt)) return runs;
        foreach (string target in Directory.GetDirectories(adapt).Order(StringComparer.Ordinal))
            foreach (string method in Directory.GetDirectories(target).Order(StringComparer.Ordinal))
                foreach (string seedDir in Directory.GetDirectories(method, "seed-*"))
                {
                    var curve = SelectionCurve.Read(seedDir);
                    if (curve.Count == 0 || !long.TryParse(Path.GetFileName(seedDir)["seed-".Length..], out long seed)) continue;
                    runs.Add(new Run(Path.GetFileName(target), Path.GetFileName(method).Replace('+', '*'), seed, seedDir, curve));
                }
        return runs.OrderBy(r => r.Target, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal).ThenBy(r => r.Seed).ToList();
    }

    /// <summary>Replays <see cref="Rules"/> on <paramref name="runs"/>, differences against <paramref name="reference"/>.</summary>
    /// <exception cref="ArgumentException">An unknown reference rule.</exception>
    /// <exception cref="InvalidDataException">A run lacks the per-example outcomes of a kept step (file named).</exception>
    public static Outcome Replay(IReadOnlyList<Run> runs, string reference, PairedBootstrap bootstrap)
    {
        var referenceRule = Rules.FirstOrDefault(r => r.Name == reference)
            ?? throw new ArgumentException($"unknown selection rule '{reference}'; one of {string.Join(", ", Rules.Select(r => r.Name))}.", nameof(reference));
        var groups = new List<Group>();
        var mismatches = new List<string>();
        foreach (var group in runs.GroupBy(r => (r.Target, r.Method)))
        {
            var seeds = group.ToList();
            var predictions = new Dictionary<(long Seed, long Step), TestPredictions>();
            TestPredictions Outcomes(Run run, long step)
            {
                if (predictions.TryGetValue((run.Seed, step), out var p)) return p;
                string file = SelectionCurve.PredictionsFile(run.Folder, step);
                if (!File.Exists(file)) throw new InvalidDataException($"{file}: the per-example outcomes of step {step} are missing.");
                return predictions[(run.Seed, step)] = TestPredictionsFile.Read(file).Values.Single();
            }
            var referencePicks = seeds.Select(r => referenceRule.Pick(r.Curve)).ToList();
            foreach (var (run, pick) in seeds.Zip(referencePicks))
                if (RecordedTest(run.Folder) is { } recorded && Math.Abs(recorded - pick.Test) > 1e-9)
                    mismatches.Add($"{run.Target} {run.Method} seed {run.Seed}: {reference} keeps step {pick.Step} (test {pick.Test:F2}) but test_results.json says {recorded:F2}");
            var outcomes = new List<RuleOutcome>();
            foreach (var rule in Rules)
            {
                var picks = seeds.Select(r => rule.Pick(r.Curve)).ToList();
                BootstrapInterval? versus = null;
                if (rule != referenceRule)
                {
                    var a = seeds.Zip(picks).Select(x => (Func<IReadOnlyList<int>, double>)Outcomes(x.First, x.Second.Step).Score).ToList();
                    var b = seeds.Zip(referencePicks).Select(x => (Func<IReadOnlyList<int>, double>)Outcomes(x.First, x.Second.Step).Score).ToList();
                    versus = bootstrap.Compare(Outcomes(seeds[0], picks[0].Step).UnitCount, a, b);
                }
                outcomes.Add(new RuleOutcome(rule.Name, seeds.Count, picks.Count(p => p.Step == 0), picks.Average(p => p.Test), picks.Average(p => (double)p.Step), versus));
            }
            groups.Add(new Group(group.Key.Target, group.Key.Method, outcomes));
        }
        return new Outcome(reference, groups, mismatches);
    }

    /// <summary>The first point with the highest <paramref name="score"/> (ties keep the earlier step, as the training loop does).</summary>
    private static SelectionCurve.Point First(IReadOnlyList<SelectionCurve.Point> curve, bool withStepZero, Func<SelectionCurve.Point, double> score)
    {
        SelectionCurve.Point? best = null;
        foreach (var point in curve)
        {
            if (point.Step == 0 && !withStepZero) continue;
            if (best is null || score(point) > score(best)) best = point;
        }
        return best ?? throw new InvalidDataException("a selection curve holds no trained step.");
    }

    /// <summary>The test score a finished run recorded (test_results.json's only task), or null when it has none.</summary>
    private static double? RecordedTest(string folder)
    {
        string file = Path.Combine(folder, PipelineRunner.TestResultsFile);
        if (!File.Exists(file)) return null;
        var tasks = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(file))!["tasks"]!.AsObject();
        return tasks.Count == 1 && tasks.First().Value?["average_metrics"] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue(out double d) ? d : null;
    }
}
