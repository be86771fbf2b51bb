using System.Text.RegularExpressions;

namespace Mpt.RealData;

/// <summary>
/// T4 wn-wsd-gloss (docs/data.md): a WordNet example sentence paired with <c>lemma: candidate definition</c> →
/// match / no-match. For each example sentence of a synset, the target lemma is the first synset member that is
/// polysemous (≥ 2 senses in its part of speech) and occurs in the sentence (as a phrase, or for one-word lemmas as
/// a token whose morphy base form is the lemma). The positive pairs the sentence with the synset's own definition;
/// the negative with the definition of one other sense of the lemma, picked by hash — so both classes are exactly
/// balanced and every negative is a plausible, real sense.
/// Low-resource and split by <b>lemma</b>: lemmas are taken in SHA-256 order and filled into test, then validation,
/// then train until each holds its item quota (default 4,000 / 1,000 / 2,000). <see cref="ReservedLemmas"/> must be
/// held out of every WordNet source task.
/// </summary>
public sealed partial class WsdGlossTask
{
    /// <summary>Default item quotas (pairs, positives and negatives together), docs/data.md's 2k / 1k / 4k.</summary>
    public static readonly (int Train, int Validation, int Test) DefaultSizes = (2000, 1000, 4000);

    /// <summary>The two classes with verbaliser descriptions.</summary>
    public static IReadOnlyList<TaskLabel> Labels { get; } =
        [new("match", "the definition fits the word in this sentence"), new("no-match", "the definition is a different sense of the word")];

    private WsdGlossTask(BenchmarkTask task, IReadOnlySet<string> reserved)
    {
        Task = task;
        ReservedLemmas = reserved;
    }

    /// <summary>The built task.</summary>
    public BenchmarkTask Task { get; }

    /// <summary>Lower-case lemmas used by the task (all splits), to be held out of WordNet source tasks.</summary>
    public IReadOnlySet<string> ReservedLemmas { get; }

    /// <summary>Builds the task with the given item quotas per split.</summary>
    public static WsdGlossTask Build(WordNetDatabase wordnet, int seed, (int Train, int Validation, int Test) sizes)
    {
        ArgumentNullException.ThrowIfNull(wordnet);
        // 1. Candidate pairs grouped by target lemma.
        var byLemma = new Dictionary<string, List<TaskExample>>(StringComparer.Ordinal);
        foreach (WordNetSynset synset in wordnet.Synsets)
        {
            if (synset.Definition.Length == 0) continue;
            for (int k = 0; k < synset.Examples.Count; k++)
            {
                string example = synset.Examples[k];
                string? lemma = TargetLemma(wordnet, synset, example);
                if (lemma is null) continue;
                var others = wordnet.SensesOf(lemma, synset.Pos)
                    .Where(s => s.Offset != synset.Offset && s.Definition.Length > 0 && s.Definition != synset.Definition).ToList();
                if (others.Count == 0) continue;
                string id = $"{synset.Pos}{synset.Offset}-{k + 1}";
                WordNetSynset wrong = others[(int)(SplitAssigner.UnitHash(seed, "wsd-negative", id) * others.Count)];
                if (!byLemma.TryGetValue(lemma, out var list)) byLemma[lemma] = list = [];
                list.Add(new TaskExample($"{id}-match", lemma, "match", example, $"{lemma}: {synset.Definition}"));
                list.Add(new TaskExample($"{id}-no-match", lemma, "no-match", example, $"{lemma}: {wrong.Definition}"));
            }
        }

        // 2. Lemmas in hash order fill test, then validation, then train, up to each quota.
        var splitOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var quotas = new[] { ("test", sizes.Test), ("validation", sizes.Validation), ("train", sizes.Train) };
        int current = 0, filled = 0;
        foreach (string lemma in byLemma.Keys.OrderBy(l => SplitAssigner.UnitHash(seed, "wsd-lemma", l)).ThenBy(l => l, StringComparer.Ordinal))
        {
            while (current < quotas.Length && filled >= quotas[current].Item2) { current++; filled = 0; }
            if (current == quotas.Length) break;
            splitOf[lemma] = quotas[current].Item1;
            filled += byLemma[lemma].Count;
        }
        var examples = byLemma.Where(kv => splitOf.ContainsKey(kv.Key))
            .SelectMany(kv => kv.Value).OrderBy(e => e.Id, StringComparer.Ordinal).ToList();
        var task = new BenchmarkTask("T4", "wn-wsd-gloss", TaskRole.Target,
            "text_a = WordNet example sentence, text_b = 'lemma: candidate definition' (the sentence's own sense, or another sense of the lemma)",
            Labels, $"by lemma: lemmas in SHA-256 order (seed {seed}) fill test, validation, train up to {sizes.Test} / {sizes.Validation} / {sizes.Train} pairs; these lemmas are held out of all WordNet source tasks",
            [PinnedSources.WordNet], MayCommit: true, SplitAssigner.Partition(examples, g => splitOf[g]));
        return new WsdGlossTask(task, splitOf.Keys.ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>The first polysemous member of <paramref name="synset"/> that the example sentence uses, lower case; null if none.</summary>
    internal static string? TargetLemma(WordNetDatabase wordnet, WordNetSynset synset, string example)
    {
        string sentence = example.ToLowerInvariant();
        string[] tokens = Token().Matches(sentence).Select(m => m.Value).ToArray();
        foreach (string word in synset.Words)
        {
            string lemma = word.ToLowerInvariant();
            if (wordnet.SensesOf(lemma, synset.Pos).Count < 2) continue;
            bool used = lemma.Contains(' ')
                ? Regex.IsMatch(sentence, $@"(?<![\p{{L}}'-]){Regex.Escape(lemma)}(?![\p{{L}}'-])")
                : tokens.Any(t => t == lemma || wordnet.BaseForm(t, synset.Pos) == lemma);
            if (used) return lemma;
        }
        return null;
    }

    [GeneratedRegex(@"[\p{L}][\p{L}'-]*")]
    private static partial Regex Token();
}
