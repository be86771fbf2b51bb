namespace Mpt.Metrics;

/// <summary>
/// The paired two-level bootstrap of a difference between two methods evaluated on the same test examples over the same
/// seeds (percentile interval, Efron &amp; Tibshirani 1993, ch. 13; docs/statistics.md). One resample draws the seeds with
/// replacement (seed pair j = seed s of method A with seed s of method B) and, independently, the test units with
/// replacement; both methods are rescored on that one draw — the pairing — each as the mean over the drawn seeds of
/// its score on the drawn units, and their difference is recorded. The interval is the pair of
/// (1 ∓ confidence)/2 quantiles of the recorded differences. Seeded and deterministic: the same inputs, resample count
/// and seed give the same interval on every machine (a SplitMix64 stream, not the platform's random generator).
/// </summary>
public sealed class PairedBootstrap
{
    /// <summary>Resamples unless told otherwise.</summary>
    public const int DefaultResamples = 10_000;

    /// <summary>Coverage unless told otherwise.</summary>
    public const double DefaultConfidence = 0.95;

    /// <summary>Creates the procedure.</summary>
    /// <param name="resamples">Number of resamples (at least 1).</param>
    /// <param name="seed">Seed of the resampling stream.</param>
    /// <param name="confidence">Coverage of the interval, in (0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than one resample, or a confidence outside (0, 1).</exception>
    public PairedBootstrap(int resamples = DefaultResamples, ulong seed = 0, double confidence = DefaultConfidence)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        if (!(confidence > 0 && confidence < 1)) throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "confidence must lie in (0, 1).");
        Resamples = resamples;
        Seed = seed;
        Confidence = confidence;
    }

    /// <summary>Number of resamples.</summary>
    public int Resamples { get; }

    /// <summary>Seed of the resampling stream.</summary>
    public ulong Seed { get; }

    /// <summary>Coverage of the interval.</summary>
    public double Confidence { get; }

    /// <summary>
    /// The difference A − B and its interval. <paramref name="a"/>[j] and <paramref name="b"/>[j] are seed pair j: each
    /// scores a draw of test units (a list of unit indices in [0, <paramref name="units"/>), repeats allowed) with one
    /// seed's predictions. A method run once (an untrained baseline) is passed as the same scorer for every j.
    /// </summary>
    /// <exception cref="ArgumentException">No seed pairs, A and B of different lengths, or no units.</exception>
    public BootstrapInterval Compare(int units, IReadOnlyList<Func<IReadOnlyList<int>, double>> a, IReadOnlyList<Func<IReadOnlyList<int>, double>> b)
    {
        Check(units, a, b);
        var all = Enumerable.Range(0, units).ToList();
        double observed = a.Average(s => s(all)) - b.Average(s => s(all));
        var differences = Differences(units, a, b).Where(double.IsFinite).ToArray();
        if (differences.Length == 0) return new BootstrapInterval(observed, double.NaN, double.NaN, 0, Confidence);
        Array.Sort(differences);
        double tail = (1 - Confidence) / 2;
        return new BootstrapInterval(observed, Quantile(differences, tail), Quantile(differences, 1 - tail), differences.Length, Confidence);
    }

    /// <summary>
    /// The resampled differences A − B in resample order (the bootstrap distribution <see cref="Compare"/> takes the
    /// quantiles of); NaN where a score is undefined on a resample (e.g. a correlation of constant predictions).
    /// </summary>
    public double[] Differences(int units, IReadOnlyList<Func<IReadOnlyList<int>, double>> a, IReadOnlyList<Func<IReadOnlyList<int>, double>> b)
    {
        Check(units, a, b);
        int seeds = a.Count;
        var random = new SplitMix64(Seed);
        var result = new double[Resamples];
        var drawnSeeds = new int[seeds];
        var draw = new int[units];
        var scoreA = new double[seeds];
        var scoreB = new double[seeds];
        var scored = new bool[seeds];
        for (int r = 0; r < Resamples; r++)
        {
            for (int j = 0; j < seeds; j++) drawnSeeds[j] = random.Below(seeds);
            for (int i = 0; i < units; i++) draw[i] = random.Below(units);
            Array.Clear(scored);
            double sum = 0;
            foreach (int j in drawnSeeds)
            {
                // A seed drawn twice is scored once on this draw: its score is the same both times.
                if (!scored[j]) { scoreA[j] = a[j](draw); scoreB[j] = b[j](draw); scored[j] = true; }
                sum += scoreA[j] - scoreB[j];
            }
            result[r] = sum / seeds;
        }
        return result;
    }

    /// <summary>
    /// The difference A − B pooled over run groups that cross the seeds: run folders of one design that differ in what a
    /// folder trains once (e.g. the distillation seed, so that MPT's target runs start from different distilled prompts),
    /// where seed s means the same few-shot sample in every folder. <paramref name="pairs"/>[g][s] is seed pair s of
    /// group g. One resample draws the groups with replacement, the seeds with replacement (one draw for every group, as
    /// the seeds are crossed with the groups) and the test units; its value is the mean of A − B over the drawn groups
    /// and seeds, each method rescored on the drawn units. A method that does not depend on the group (PT next to MPT)
    /// thus varies only with the seeds and units, as in <see cref="Compare"/>; the interval adds the variation between
    /// groups, which one folder cannot show (docs/statistics.md). With few groups that level is coarse, as the seed
    /// level is with few seeds.
    /// </summary>
    /// <param name="units">Test units, the same for every group and seed (checked by the caller).</param>
    /// <param name="pairs">Per group, its seed pairs in one seed order common to all groups: A's scorer and B's scorer.</param>
    /// <exception cref="ArgumentException">No groups, no seeds, groups with different seed counts, or no units.</exception>
    public BootstrapInterval CompareGrouped(int units, IReadOnlyList<IReadOnlyList<(Func<IReadOnlyList<int>, double> A, Func<IReadOnlyList<int>, double> B)>> pairs)
    {
        CheckGroups(units, pairs);
        var all = Enumerable.Range(0, units).ToList();
        double observed = pairs.Average(g => g.Average(p => p.A(all) - p.B(all)));
        var differences = GroupedDifferences(units, pairs).Where(double.IsFinite).ToArray();
        if (differences.Length == 0) return new BootstrapInterval(observed, double.NaN, double.NaN, 0, Confidence);
        Array.Sort(differences);
        double tail = (1 - Confidence) / 2;
        return new BootstrapInterval(observed, Quantile(differences, tail), Quantile(differences, 1 - tail), differences.Length, Confidence);
    }

    /// <summary>The resampled differences of <see cref="CompareGrouped"/> in resample order; NaN where a score is undefined.</summary>
    public double[] GroupedDifferences(int units, IReadOnlyList<IReadOnlyList<(Func<IReadOnlyList<int>, double> A, Func<IReadOnlyList<int>, double> B)>> pairs)
    {
        CheckGroups(units, pairs);
        int groups = pairs.Count, seeds = pairs[0].Count;
        var random = new SplitMix64(Seed);
        var result = new double[Resamples];
        var drawnGroups = new int[groups];
        var drawnSeeds = new int[seeds];
        var draw = new int[units];
        var score = new double[groups, seeds];
        var scored = new bool[groups, seeds];
        for (int r = 0; r < Resamples; r++)
        {
            for (int k = 0; k < groups; k++) drawnGroups[k] = random.Below(groups);
            for (int j = 0; j < seeds; j++) drawnSeeds[j] = random.Below(seeds);
            for (int i = 0; i < units; i++) draw[i] = random.Below(units);
            Array.Clear(scored);
            double sum = 0;
            foreach (int g in drawnGroups)
                foreach (int j in drawnSeeds)
                {
                    // A (group, seed) drawn more than once is scored once on this draw: its score is the same each time.
                    if (!scored[g, j]) { score[g, j] = pairs[g][j].A(draw) - pairs[g][j].B(draw); scored[g, j] = true; }
                    sum += score[g, j];
                }
            result[r] = sum / (groups * seeds);
        }
        return result;
    }

    /// <summary>
    /// The q-quantile of sorted values as the inverse of the empirical distribution function: the smallest value with at
    /// least a fraction q of the values at or below it (R's quantile type 1), so an interval end is always a resampled value.
    /// </summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) throw new ArgumentException("no values.", nameof(sorted));
        // q·n is meant exactly (0.025 · 10,000 = 250); the tolerance absorbs its binary rounding.
        int rank = (int)Math.Ceiling(q * sorted.Count - 1e-9);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static void Check(int units, IReadOnlyList<Func<IReadOnlyList<int>, double>> a, IReadOnlyList<Func<IReadOnlyList<int>, double>> b)
    {
        if (a.Count == 0) throw new ArgumentException("need at least one seed pair.", nameof(a));
        if (a.Count != b.Count) throw new ArgumentException($"{a.Count} seeds of A but {b.Count} of B: seeds are compared in pairs.", nameof(b));
        if (units < 1) throw new ArgumentException("need at least one test unit.", nameof(units));
    }

    private static void CheckGroups(int units, IReadOnlyList<IReadOnlyList<(Func<IReadOnlyList<int>, double> A, Func<IReadOnlyList<int>, double> B)>> groups)
    {
        if (groups.Count == 0) throw new ArgumentException("need at least one group.", nameof(groups));
        if (groups[0].Count == 0) throw new ArgumentException("need at least one seed pair.", nameof(groups));
        for (int g = 1; g < groups.Count; g++)
            if (groups[g].Count != groups[0].Count)
                throw new ArgumentException($"group {g} has {groups[g].Count} seed pairs but group 0 has {groups[0].Count}: the seeds are crossed with the groups.", nameof(groups));
        if (units < 1) throw new ArgumentException("need at least one test unit.", nameof(units));
    }

    /// <summary>SplitMix64 (Steele, Lea &amp; Flood 2014): a small, fast, portable stream of 64-bit values.</summary>
    private struct SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        private ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in [0, n): values below 2^64 mod n are rejected, so every residue is equally likely.</summary>
        public int Below(int n)
        {
            ulong bound = (ulong)n, threshold = (0UL - bound) % bound;
            while (true)
            {
                ulong r = Next();
                if (r >= threshold) return (int)(r % bound);
            }
        }
    }
}
