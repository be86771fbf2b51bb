namespace Mpt.RealData;

/// <summary>
/// The one lemma → split assignment shared by all WordNet-based sources (S3, S4, S5): 80 / 10 / 10 by hash threshold on
/// the lower-case lemma, so a lemma (e.g. "good") is in the same split in every task and nothing learnt about it
/// on one task's training split can leak into another task's test split.
/// </summary>
public static class WordNetLemmaSplit
{
    private const double Validation = 0.1, Test = 0.1;

    /// <summary>The split of <paramref name="lemma"/> (lower case).</summary>
    public static string Of(string lemma, int seed) => SplitAssigner.AssignByHash(lemma, Validation, Test, seed, "wordnet-lemma");

    /// <summary>The rule in words, for the manifest.</summary>
    public static string Describe(int seed) =>
        $"by lemma: SHA-256 of (seed {seed}, lower-case lemma) below 0.1 → test, below 0.2 → validation, else train; the same lemma has the same split in every WordNet task";
}
