using Mpt.Evaluation;
using Mpt.Metrics;
using Mpt.Reports;

namespace Mpt.Pipeline;

/// <summary>
/// The paired comparisons of a run folder (<c>results.json</c>'s <c>comparisons</c>): for every target and every pair of
/// its methods, the difference of their test scores with a paired bootstrap interval over seeds and test examples
/// (<see cref="PairedBootstrap"/>, docs/statistics.md), computed from the per-example test outcomes each target run
/// stored (<see cref="TestPredictionsFile"/>). The pipeline computes them after adaptation; <c>mpt report</c> recomputes
/// them from a finished folder.
/// </summary>
/// <remarks>
/// Pairing. Every method of a target is tested on the same rows in the same order (the test split of the target's
/// data, capped by <c>max_test_examples</c>, read once per run), and seed s of every trained method trains on the same
/// few-shot sample (the sample depends on the seed only), so seed s of A is paired with seed s of B and example i with
/// example i. An untrained baseline runs once (seed 0) and is paired with every seed of the other method. The files are
/// checked: runs whose tests differ in length or in any target are not compared (a note says so).
/// </remarks>
public static class RunComparisons
{
    /// <summary>The comparisons and what could not be compared.</summary>
    /// <param name="Comparisons">Target → <see cref="MethodComparison.Key"/> → comparison; targets without any comparison are left out.</param>
    /// <param name="Notes">One sentence per method or pair left out, naming the target, the methods and the reason.</param>
    public sealed record Outcome(IReadOnlyDictionary<string, IReadOnlyDictionary<string, MethodComparison>> Comparisons, IReadOnlyList<string> Notes);

    /// <summary>
    /// The folder of one target run: <c>adapt/TARGET/METHOD/seed-S</c> (<c>*</c> written as <c>+</c>), and MPT*'s
    /// shared <c>adapt/_multi/mpt_multi/seed-S</c>; an untrained baseline's outcomes sit in its <c>seed-0</c> folder.
    /// </summary>
    public static string TargetRunFolder(string runDir, string target, string method, long seed) =>
        method == PipelineRunner.MultiTargetKey
            ? Path.Combine(runDir, PipelineRunner.AdaptDir, "_multi", "mpt_multi", $"seed-{seed}")
            : Path.Combine(runDir, PipelineRunner.AdaptDir, target, method.Replace('*', '+'), $"seed-{seed}");

    /// <summary>
    /// Compares, per target of <paramref name="targets"/> (results.json's <c>targets</c>), every later method of
    /// <see cref="MethodNames.BaselinesFirst"/> with every earlier one (MPT − PT, MPT − SPoT, SPoT − PT, PT − majority, …),
    /// trained pairs first. A method whose per-example file is missing or damaged is left out with a note naming the file.
    /// </summary>
    public static Outcome Compute(string runDir, IReadOnlyDictionary<string, IReadOnlyDictionary<string, MethodResult>> targets, PairedBootstrap bootstrap)
    {
        var comparisons = new Dictionary<string, IReadOnlyDictionary<string, MethodComparison>>(StringComparer.Ordinal);
        var notes = new List<string>();
        foreach (var (target, byMethod) in targets)
        {
            var methods = MethodNames.BaselinesFirst(byMethod.Keys);
            var outcomes = LoadOutcomes(runDir, target, methods, byMethod, notes);
            var result = new Dictionary<string, MethodComparison>(StringComparer.Ordinal);
            foreach (var (a, b) in OrderedPairs(methods))
            {
                if (!outcomes.TryGetValue(a, out var runsA) || !outcomes.TryGetValue(b, out var runsB)) continue;
                if (Compare(target, a, b, runsA, runsB, bootstrap, notes) is { } comparison) result[MethodComparison.Key(a, b)] = comparison;
            }
            if (result.Count > 0) comparisons[target] = result;
        }
        return new Outcome(comparisons, notes);
    }

    /// <summary>
    /// The comparisons pooled over several run folders of one design that differ in what a single folder trains once —
    /// typically the distillation seed (<c>distill.loop.seed</c>), so that MPT's target runs start from different
    /// distilled prompts. Per target and pair of methods present in every folder, each folder's seed pairs form one group
    /// of <see cref="PairedBootstrap.CompareGrouped"/>: the interval resamples the folders as well as the seeds (crossed
    /// with the folders) and test examples, and the difference weighs the folders equally. Every folder must have run
    /// the same seeds and tested the same examples.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two folders.</exception>
    /// <exception cref="FileNotFoundException">A folder without results.json (named).</exception>
    public static Outcome ComputePooled(IReadOnlyList<string> runDirs, PairedBootstrap bootstrap)
    {
        if (runDirs.Count < 2) throw new ArgumentException("pooling needs at least two run folders.", nameof(runDirs));
        var results = runDirs.Select(dir =>
        {
            string path = Path.Combine(dir, RunResults.FileName);
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no results.json (a finished run folder is needed).", path);
            return RunResults.Read(path).Targets ?? new Dictionary<string, IReadOnlyDictionary<string, MethodResult>>();
        }).ToList();
        var comparisons = new Dictionary<string, IReadOnlyDictionary<string, MethodComparison>>(StringComparer.Ordinal);
        var notes = new List<string>();
        foreach (var (target, firstMethods) in results[0])
        {
            if (results.Any(r => !r.ContainsKey(target)))
            {
                notes.Add($"{target}: not in every folder's results.json: not compared.");
                continue;
            }
            var methods = MethodNames.BaselinesFirst(firstMethods.Keys.Where(m => results.All(r => r[target].ContainsKey(m))));
            var outcomes = runDirs.Select((dir, d) => LoadOutcomes(dir, target, methods, results[d][target], notes)).ToList();
            var result = new Dictionary<string, MethodComparison>(StringComparer.Ordinal);
            foreach (var (a, b) in OrderedPairs(methods))
            {
                if (outcomes.Any(o => !o.ContainsKey(a) || !o.ContainsKey(b))) continue;
                string pair = $"{target}: {MethodNames.Display(a)} − {MethodNames.Display(b)}";
                var groups = outcomes.Select(o => Paired(pair, o[a], o[b], notes)).ToList();
                if (groups.Any(g => g is null)) continue;
                // The seeds are crossed with the folders (seed s is the same few-shot sample in each): they must be the same.
                if (groups.Any(g => !g!.Select(p => p.Seed).SequenceEqual(groups[0]!.Select(p => p.Seed))))
                {
                    notes.Add($"{pair}: the folders ran different seeds: not pooled.");
                    continue;
                }
                var first = groups[0]![0].A;
                if (groups.Any(g => g!.Any(p => !SameTest(first, p.A) || !SameTest(first, p.B))))
                {
                    notes.Add($"{pair}: the folders' runs were tested on different examples: not pooled.");
                    continue;
                }
                var interval = bootstrap.CompareGrouped(first.UnitCount, groups.Select(g =>
                    (IReadOnlyList<(Func<IReadOnlyList<int>, double>, Func<IReadOnlyList<int>, double>)>)g!
                        .Select(p => ((Func<IReadOnlyList<int>, double>)p.A.Score, (Func<IReadOnlyList<int>, double>)p.B.Score)).ToList()).ToList());
                if (!double.IsFinite(interval.Mean) || interval.Resamples == 0)
                {
                    notes.Add($"{pair}: the score is undefined on the test set or its resamples: not pooled.");
                    continue;
                }
                result[MethodComparison.Key(a, b)] = new MethodComparison(a, b, interval.Mean, interval.Low, interval.High, interval.Resamples,
                    interval.Confidence, groups.Sum(g => g!.Count), first.UnitCount);
            }
            if (result.Count > 0) comparisons[target] = result;
        }
        return new Outcome(comparisons, notes);
    }

    /// <summary>
    /// Recomputes the comparisons of a finished run folder from its stored per-example test predictions (as
    /// <c>mpt report</c> does) and, when there are any, rewrites its results.json with them — every other section as it
    /// was. A folder without per-example predictions (made before they were recorded) keeps its results.json; the notes say why.
    /// </summary>
    /// <returns>The comparisons and notes; null when the folder has no results.json or it has no target results.</returns>
    /// <exception cref="InvalidDataException">A damaged results.json (named).</exception>
    public static Outcome? Refresh(string runDir, PairedBootstrap bootstrap)
    {
        string path = Path.Combine(runDir, RunResults.FileName);
        if (!File.Exists(path)) return null;
        var results = RunResults.Read(path);
        if (results.Targets is not { Count: > 0 } targets) return null;
        var outcome = Compute(runDir, targets, bootstrap);
        if (outcome.Comparisons.Count > 0) (results with { Comparisons = outcome.Comparisons }).Write(path);
        return outcome;
    }

    /// <summary>The per-seed outcomes of each method of a target that has them; a method without them gets a note.</summary>
    private static Dictionary<string, IReadOnlyList<(long Seed, TestPredictions Predictions)>> LoadOutcomes(string runDir, string target,
        IReadOnlyList<string> methods, IReadOnlyDictionary<string, MethodResult> byMethod, List<string> notes)
    {
        var outcomes = new Dictionary<string, IReadOnlyList<(long Seed, TestPredictions Predictions)>>(StringComparer.Ordinal);
        foreach (string method in methods)
        {
            List<(long, TestPredictions)>? loaded;
            string? missing;
            // A damaged file costs its method's comparisons, not the run: results.json is written after this.
            try { loaded = Load(runDir, target, method, byMethod[method], out missing); }
            catch (InvalidDataException e)
            {
                notes.Add($"{target}: {MethodNames.Display(method)}: {e.Message} Its comparisons are left out.");
                continue;
            }
            if (loaded is not null) outcomes[method] = loaded;
            else notes.Add($"{target}: {MethodNames.Display(method)} has no per-example test predictions ({missing} not found; " +
                           "runs made before they were recorded): its comparisons are left out.");
        }
        return outcomes;
    }

    /// <summary>Every later method minus every earlier one, the pairs of two trained methods first.</summary>
    private static IEnumerable<(string A, string B)> OrderedPairs(IReadOnlyList<string> methods)
    {
        var pairs = new List<(string A, string B)>();
        for (int j = methods.Count - 1; j >= 0; j--)
            for (int i = 0; i < j; i++)
                pairs.Add((methods[j], methods[i]));
        bool Trained(string m) => Methods.AdaptMethods.ByKey(m) is not { Trained: false };
        return pairs.Where(p => Trained(p.B)).Concat(pairs.Where(p => !Trained(p.B)));
    }

    /// <summary>The outcomes of every seed of a method on a target, or null when a seed's file is missing (<paramref name="missing"/>).</summary>
    private static List<(long Seed, TestPredictions Predictions)>? Load(string runDir, string target, string method, MethodResult result, out string? missing)
    {
        var runs = new List<(long, TestPredictions)>();
        missing = null;
        foreach (var seed in result.Seeds)
        {
            string file = Path.Combine(TargetRunFolder(runDir, target, method, seed.Seed), TestPredictionsFile.FileName);
            if (!File.Exists(file))
            {
                missing = file;
                return null;
            }
            var tasks = TestPredictionsFile.Read(file);
            runs.Add((seed.Seed, tasks.TryGetValue(target, out var p) ? p
                : throw new InvalidDataException($"{file}: no predictions for task '{target}'.")));
        }
        return runs;
    }

    private static MethodComparison? Compare(string target, string a, string b, IReadOnlyList<(long Seed, TestPredictions P)> runsA,
        IReadOnlyList<(long Seed, TestPredictions P)> runsB, PairedBootstrap bootstrap, List<string> notes)
    {
        string pair = $"{target}: {MethodNames.Display(a)} − {MethodNames.Display(b)}";
        if (Paired(pair, runsA, runsB, notes) is not { } paired) return null;
        var first = paired[0].A;
        if (paired.Any(p => !SameTest(first, p.A) || !SameTest(first, p.B)))
        {
            notes.Add($"{pair}: the runs were tested on different examples (lengths or targets differ): not compared.");
            return null;
        }
        var scoresA = paired.Select(p => (Func<IReadOnlyList<int>, double>)p.A.Score).ToList();
        var scoresB = paired.Select(p => (Func<IReadOnlyList<int>, double>)p.B.Score).ToList();
        var interval = bootstrap.Compare(first.UnitCount, scoresA, scoresB);
        if (!double.IsFinite(interval.Mean) || interval.Resamples == 0)
        {
            notes.Add($"{pair}: the score is undefined on the test set or its resamples: not compared.");
            return null;
        }
        return new MethodComparison(a, b, interval.Mean, interval.Low, interval.High, interval.Resamples, interval.Confidence, paired.Count, first.UnitCount);
    }

    /// <summary>
    /// Seed s of A with seed s of B; an untrained baseline (one run) with every seed of the other method. Null, with a
    /// note, when two trained methods share no seed.
    /// </summary>
    private static List<(long Seed, TestPredictions A, TestPredictions B)>? Paired(string pair, IReadOnlyList<(long Seed, TestPredictions P)> runsA,
        IReadOnlyList<(long Seed, TestPredictions P)> runsB, List<string> notes)
    {
        if (runsA.Count == 1 || runsB.Count == 1)
            return runsA.Count == 1 ? runsB.Select(r => (r.Seed, runsA[0].P, r.P)).ToList() : runsA.Select(r => (r.Seed, r.P, runsB[0].P)).ToList();
        var paired = runsA.Join(runsB, r => r.Seed, r => r.Seed, (x, y) => (x.Seed, x.P, y.P)).ToList();
        if (paired.Count > 0) return paired;
        notes.Add($"{pair}: no seed in common ({string.Join(", ", runsA.Select(r => r.Seed))} vs {string.Join(", ", runsB.Select(r => r.Seed))}): not compared.");
        return null;
    }

    private static bool SameTest(TestPredictions x, TestPredictions y) =>
        x.Count == y.Count && x.Targets.SequenceEqual(y.Targets, StringComparer.Ordinal)
        && (x.Groups is null ? y.Groups is null : y.Groups is not null && x.Groups.SequenceEqual(y.Groups, StringComparer.Ordinal));
}
