namespace Mpt.RealData;

/// <summary>
/// S3 wn-supersense (docs/data.md): <c>lemma: definition</c> of a synset → its lexicographer file (supersense).
/// One example per synset, the lemma being the synset's first word. Split by <b>lemma</b> with
/// <see cref="WordNetLemmaSplit"/>, shared by every WordNet source, so a lemma is in the same split everywhere.
/// Lemmas reserved for WordNet targets (T4) are left out entirely: every synset with a reserved member is dropped,
/// so no definition the target shows as a candidate is seen in training.
/// </summary>
public static class WordNetSupersenseTask
{
    /// <summary>Verbaliser descriptions of the 45 lexicographer files (paraphrasing lexnames(5WN)).</summary>
    public static IReadOnlyDictionary<string, string> Descriptions { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["adj.all"] = "descriptive adjective", ["adj.pert"] = "relational adjective", ["adv.all"] = "adverb",
        ["noun.Tops"] = "most general concept", ["noun.act"] = "act or action", ["noun.animal"] = "animal",
        ["noun.artifact"] = "man-made object", ["noun.attribute"] = "attribute or property",
        ["noun.body"] = "body part", ["noun.cognition"] = "knowledge or thought",
        ["noun.communication"] = "communication or language", ["noun.event"] = "event or happening",
        ["noun.feeling"] = "feeling or emotion", ["noun.food"] = "food or drink",
        ["noun.group"] = "group or collection", ["noun.location"] = "place or location",
        ["noun.motive"] = "goal or motive", ["noun.object"] = "natural object", ["noun.person"] = "person",
        ["noun.phenomenon"] = "natural phenomenon", ["noun.plant"] = "plant", ["noun.possession"] = "possession or money",
        ["noun.process"] = "natural process", ["noun.quantity"] = "quantity or unit of measure",
        ["noun.relation"] = "relation between things", ["noun.shape"] = "shape", ["noun.state"] = "state or condition",
        ["noun.substance"] = "substance or material", ["noun.time"] = "time or period",
        ["verb.body"] = "bodily function or care", ["verb.change"] = "change of size, state or form",
        ["verb.cognition"] = "thinking or judging", ["verb.communication"] = "telling or asking",
        ["verb.competition"] = "fighting or sport", ["verb.consumption"] = "eating or drinking",
        ["verb.contact"] = "touching or hitting", ["verb.creation"] = "making or creating",
        ["verb.emotion"] = "feeling an emotion", ["verb.motion"] = "moving or travelling",
        ["verb.perception"] = "seeing or hearing", ["verb.possession"] = "buying, owning or giving",
        ["verb.social"] = "social or political activity", ["verb.stative"] = "being or having",
        ["verb.weather"] = "weather", ["adj.ppl"] = "participial adjective",
    };

    /// <summary>Builds the task; <paramref name="heldOutLemmas"/> (lower case) are lemmas reserved for WordNet target tasks.</summary>
    public static BenchmarkTask Build(WordNetDatabase wordnet, int seed, IReadOnlySet<string> heldOutLemmas)
    {
        ArgumentNullException.ThrowIfNull(wordnet);
        ArgumentNullException.ThrowIfNull(heldOutLemmas);
        var examples = new List<TaskExample>();
        foreach (WordNetSynset synset in wordnet.Synsets)
        {
            string lemma = synset.Words[0];
            string group = lemma.ToLowerInvariant();
            // A synset with any reserved member is dropped: its definition is a candidate in the WordNet target.
            if (synset.Words.Any(w => heldOutLemmas.Contains(w.ToLowerInvariant())) || synset.Definition.Length == 0) continue;
            examples.Add(new TaskExample($"{synset.Pos}{synset.Offset}", group, synset.LexFile, $"{lemma}: {synset.Definition}"));
        }
        var present = examples.Select(e => e.Label).ToHashSet(StringComparer.Ordinal);
        var labels = WordNetDatabase.LexFileNames.Where(present.Contains).Select(n => new TaskLabel(n, Descriptions[n])).ToList();
        return new BenchmarkTask("S3", "wn-supersense", TaskRole.Source, "lemma: definition (first word of a WordNet synset and its gloss before the examples)",
            labels, WordNetLemmaSplit.Describe(seed) + $"; synsets containing any of the {heldOutLemmas.Count} lemmas reserved for WordNet targets are excluded",
            [PinnedSources.WordNet], MayCommit: true, SplitAssigner.Partition(examples, g => WordNetLemmaSplit.Of(g, seed)));
    }
}
