namespace Mpt.RealData;

/// <summary>
/// S4 wn-relation (docs/data.md): a word pair (<c>text_a</c> = word1, <c>text_b</c> = word2) → how word2 relates to word1:
/// hypernym (<c>@</c>), hyponym (<c>~</c>), part-of (word1 is a part / member / substance of word2: <c>#p #m #s</c>),
/// has-part (<c>%p %m %s</c>), synonym (two members of one synset), antonym (the lexical <c>!</c> pointer between two
/// words), or unrelated (a random same-part-of-speech pair with none of these relations — the only generated class).
/// Semantic pointers relate the synsets' first words. Each class is capped per split (default 4,000 / 430 / 430) by
/// hash rank, so classes are balanced where WordNet has enough pairs.
/// Split by <b>lemma</b>: the pair's group is the alphabetically smaller word, placed by <see cref="WordNetLemmaSplit"/>
/// — so (dog, canine) and (canine, dog) always share a split, and a lemma keeps its split across WordNet sources.
/// Pairs with a lemma reserved for WordNet targets are left out.
/// </summary>
public static class WordNetRelationTask
{
    /// <summary>Default cap of pairs per class and split.</summary>
    public static readonly (int Train, int Validation, int Test) DefaultCaps = (4000, 430, 430);

    /// <summary>The seven classes with verbaliser descriptions (relation of the second word to the first).</summary>
    public static IReadOnlyList<TaskLabel> Labels { get; } =
    [
        new("hypernym", "the second word is a broader category of the first"),
        new("hyponym", "the second word is a kind of the first"),
        new("part-of", "the first word is a part or member of the second"),
        new("has-part", "the second word is a part or member of the first"),
        new("synonym", "the two words mean the same"),
        new("antonym", "the two words have opposite meanings"),
        new("unrelated", "the two words are unrelated"),
    ];

    private static readonly Dictionary<string, string> SemanticRelation = new(StringComparer.Ordinal)
    {
        ["@"] = "hypernym", ["~"] = "hyponym",
        ["#p"] = "part-of", ["#m"] = "part-of", ["#s"] = "part-of",
        ["%p"] = "has-part", ["%m"] = "has-part", ["%s"] = "has-part",
    };

    /// <summary>Builds the task with the given caps per class and split.</summary>
    public static BenchmarkTask Build(WordNetDatabase wordnet, int seed, IReadOnlySet<string> heldOutLemmas, (int Train, int Validation, int Test) caps)
    {
        ArgumentNullException.ThrowIfNull(wordnet);
        ArgumentNullException.ThrowIfNull(heldOutLemmas);
        // 1. Every related (word1, word2) → relation; a pair with two different relations keeps the first found.
        var relation = new Dictionary<(string, string), string>();
        void Relate(string a, string b, string label)
        {
            if (a == b || heldOutLemmas.Contains(a) || heldOutLemmas.Contains(b)) return;
            relation.TryAdd((a, b), label);
        }
        foreach (WordNetSynset synset in wordnet.Synsets)
        {
            string first = Lower(synset.Words[0]);
            if (synset.Words.Count >= 2) Relate(first, Lower(synset.Words[1]), "synonym");
            foreach (WordNetPointer pointer in synset.Pointers)
            {
                WordNetSynset? target = wordnet.Find(pointer.TargetPos, pointer.TargetOffset);
                if (target is null) continue;
                if (pointer.Symbol == "!" && pointer.SourceWord > 0 && pointer.SourceWord <= synset.Words.Count
                    && pointer.TargetWord > 0 && pointer.TargetWord <= target.Words.Count)
                    Relate(Lower(synset.Words[pointer.SourceWord - 1]), Lower(target.Words[pointer.TargetWord - 1]), "antonym");
                else if (pointer.SourceWord == 0 && SemanticRelation.TryGetValue(pointer.Symbol, out string? label))
                    Relate(first, Lower(target.Words[0]), label);
            }
        }

        // 2. Unrelated pairs: random same-POS synset pairs whose first words have no relation in either direction.
        var byPos = wordnet.Synsets.GroupBy(s => s.Pos).ToDictionary(g => g.Key, g => g.Select(s => Lower(s.Words[0])).ToList());
        var posOfPairs = byPos.Keys.Order().ToList();
        int wanted = caps.Train + caps.Validation + caps.Test;
        int unrelated = 0;
        // Twice the total quota, so that every split's cap can fill after the lemma split; the attempts are bounded
        // because a tiny WordNet (tests) may hold fewer unrelated pairs than wanted.
        for (int i = 0; unrelated < wanted * 2 && i < wanted * 20 && posOfPairs.Count > 0; i++)
        {
            var words = byPos[posOfPairs[(int)(SplitAssigner.UnitHash(seed, "relation-unrelated-pos", i.ToString()) * posOfPairs.Count)]];
            string a = words[(int)(SplitAssigner.UnitHash(seed, "relation-unrelated-a", i.ToString()) * words.Count)];
            string b = words[(int)(SplitAssigner.UnitHash(seed, "relation-unrelated-b", i.ToString()) * words.Count)];
            if (a == b || relation.ContainsKey((a, b)) || relation.ContainsKey((b, a)) || heldOutLemmas.Contains(a) || heldOutLemmas.Contains(b)) continue;
            if (relation.TryAdd((a, b), "unrelated")) unrelated++;
        }

        // 3. Split by the smaller lemma, then cap each (class, split) by hash rank.
        var capOf = new Dictionary<string, int> { ["train"] = caps.Train, ["validation"] = caps.Validation, ["test"] = caps.Test };
        var examples = relation
            .Select(kv => (A: kv.Key.Item1, B: kv.Key.Item2, Label: kv.Value,
                Group: string.CompareOrdinal(kv.Key.Item1, kv.Key.Item2) < 0 ? kv.Key.Item1 : kv.Key.Item2))
            .Select(p => (p.A, p.B, p.Label, p.Group, Split: WordNetLemmaSplit.Of(p.Group, seed), Id: $"{p.A}|{p.B}"))
            .GroupBy(p => (p.Label, p.Split))
            .SelectMany(g => g.OrderBy(p => SplitAssigner.UnitHash(seed, "relation-cap", p.Id)).ThenBy(p => p.Id, StringComparer.Ordinal).Take(capOf[g.Key.Split]))
            .OrderBy(p => p.Id, StringComparer.Ordinal)
            .Select(p => new TaskExample(p.Id, p.Group, p.Label, p.A, p.B))
            .ToList();
        return new BenchmarkTask("S4", "wn-relation", TaskRole.Source,
            "text_a = word1, text_b = word2 (WordNet lemmas; semantic relations use each synset's first word)",
            Labels.Where(l => examples.Any(e => e.Label == l.Name)).ToList(),
            WordNetLemmaSplit.Describe(seed) + $", applied to the alphabetically smaller word of each pair; at most {caps.Train} / {caps.Validation} / {caps.Test} pairs per class and split (SHA-256 rank); pairs with one of the {heldOutLemmas.Count} lemmas reserved for WordNet targets are excluded",
            [PinnedSources.WordNet], MayCommit: true, SplitAssigner.Partition(examples, g => WordNetLemmaSplit.Of(g, seed)));
    }

    private static string Lower(string word) => word.ToLowerInvariant();
}
