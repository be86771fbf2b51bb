using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Mpt.RealData;

/// <summary>
/// Deterministic, seeded split assignment by leakage unit (docs/data.md, Leakage control). Order is decided by SHA-256 of
/// (seed, scope, key) rather than a PRNG, so a group's split depends only on its own key and the seed — not on which
/// other groups exist or their order — and is identical on every platform and .NET version.
/// </summary>
public static class SplitAssigner
{
    /// <summary>The split names, in file order.</summary>
    public static IReadOnlyList<string> SplitNames { get; } = ["train", "validation", "test"];

    /// <summary>A number in [0, 1) determined by (seed, scope, key).</summary>
    public static double UnitHash(int seed, string scope, string key)
    {
        byte[] digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}\u001f{scope}\u001f{key}"));
        // 53 high bits → exactly representable double in [0, 1).
        return (BinaryPrimitives.ReadUInt64BigEndian(digest) >> 11) / (double)(1UL << 53);
    }

    /// <summary>
    /// Assigns groups to splits stratified by <c>stratum</c>: within each stratum the groups are ranked by
    /// <see cref="UnitHash"/>; the first round(n·testFraction) go to test, the next round(n·validationFraction) to
    /// validation, the rest to train. Used for Brown documents (by genre), SOTU speeches (by era) and, with one
    /// group per example, label-stratified example splits.
    /// </summary>
    public static IReadOnlyDictionary<string, string> AssignStratified(
        IEnumerable<(string Group, string Stratum)> groups, double validationFraction, double testFraction, int seed, string scope)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var byStratum = groups.Distinct().GroupBy(g => g.Stratum, StringComparer.Ordinal);
        foreach (var stratum in byStratum.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var ranked = stratum.Select(g => g.Group)
                .OrderBy(g => UnitHash(seed, scope, g)).ThenBy(g => g, StringComparer.Ordinal).ToList();
            int test = (int)Math.Round(ranked.Count * testFraction, MidpointRounding.AwayFromZero);
            int validation = (int)Math.Round(ranked.Count * validationFraction, MidpointRounding.AwayFromZero);
            for (int i = 0; i < ranked.Count; i++)
            {
                string split = i < test ? "test" : i < test + validation ? "validation" : "train";
                if (!result.TryAdd(ranked[i], split))
                    throw new ArgumentException($"group '{ranked[i]}' occurs in two strata; a leakage unit must have one stratum", nameof(groups));
            }
        }
        return result;
    }

    /// <summary>
    /// Split of one key by hash thresholds: test below <paramref name="testFraction"/>, validation below
    /// test + validation, else train. Used for WordNet lemmas, so a lemma has the same split in every WordNet task.
    /// </summary>
    public static string AssignByHash(string key, double validationFraction, double testFraction, int seed, string scope)
    {
        double u = UnitHash(seed, scope, key);
        return u < testFraction ? "test" : u < testFraction + validationFraction ? "validation" : "train";
    }

    /// <summary>Groups examples into the three splits (keeping their order) using <paramref name="splitOf"/> on each group.</summary>
    public static IReadOnlyList<TaskSplit> Partition(IEnumerable<TaskExample> examples, Func<string, string> splitOf)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var lists = SplitNames.ToDictionary(n => n, _ => new List<TaskExample>(), StringComparer.Ordinal);
        foreach (TaskExample example in examples)
        {
            string split = splitOf(example.Group);
            if (!lists.TryGetValue(split, out var list))
                throw new ArgumentException($"unknown split '{split}' for group '{example.Group}'", nameof(splitOf));
            list.Add(example);
        }
        return SplitNames.Select(n => new TaskSplit(n, lists[n])).ToList();
    }
}
