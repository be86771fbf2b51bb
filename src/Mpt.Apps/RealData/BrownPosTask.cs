using Mpt.Data;

namespace Mpt.RealData;

/// <summary>
/// S2 brown-pos-in-context (docs/data.md): a pair (Brown sentence, one word of it) → the word's universal part of
/// speech (<see cref="UniversalTagMap"/>; 11 classes, punctuation is never a target). One target per sentence, chosen
/// by hash among the sentence's non-punctuation tokens whose spelling occurs only once in the sentence (so the pair
/// names one token unambiguously). Split by <b>document</b> with the same document split as S1.
/// </summary>
public static class BrownPosTask
{
    /// <summary>The 11 word classes with verbaliser descriptions.</summary>
    public static IReadOnlyList<TaskLabel> Labels { get; } =
    [
        new("ADJ", "adjective"), new("ADP", "preposition"), new("ADV", "adverb"), new("CONJ", "conjunction"),
        new("DET", "determiner or article"), new("NOUN", "noun"), new("NUM", "number"), new("PRON", "pronoun"),
        new("PRT", "particle"), new("VERB", "verb"), new("X", "foreign word or interjection"),
    ];

    /// <summary>Builds the task from the documents of <see cref="BrownCorpus.Read"/>.</summary>
    /// <exception cref="DataFormatException">A token carries a tag outside the Brown tagset.</exception>
    public static BenchmarkTask Build(IReadOnlyList<BrownDocument> documents, int seed)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var examples = new List<TaskExample>();
        foreach (BrownDocument document in documents)
            for (int s = 0; s < document.Sentences.Count; s++)
            {
                var sentence = document.Sentences[s];
                string id = $"{document.Id}-{s + 1:D4}";
                var universal = sentence.Select(t => UniversalTagMap.Map(t.Tag)
                    ?? throw new DataFormatException(new RowLocation(document.Id), $"sentence {s + 1}: Brown tag '{t.Tag}' of '{t.Word}' is not in the tagset", "tag")).ToList();
                var spellings = sentence.GroupBy(t => t.Word.ToLowerInvariant()).ToDictionary(g => g.Key, g => g.Count());
                var candidates = Enumerable.Range(0, sentence.Count)
                    .Where(i => universal[i] != "." && spellings[sentence[i].Word.ToLowerInvariant()] == 1).ToList();
                if (candidates.Count == 0) continue;
                int pick = candidates[(int)(SplitAssigner.UnitHash(seed, "brown-pos-target", id) * candidates.Count)];
                examples.Add(new TaskExample(id, document.Id, universal[pick],
                    BrownCorpus.Detokenize(sentence.Select(t => t.Word)), sentence[pick].Word));
            }
        var splitOf = BrownCorpus.DocumentSplit(documents, seed);
        var present = examples.Select(e => e.Label).ToHashSet(StringComparer.Ordinal);
        return new BenchmarkTask("S2", "brown-pos", TaskRole.Source,
            "text_a = Brown sentence (tags stripped, detokenised), text_b = one word of it (spelling unique in the sentence)",
            Labels.Where(l => present.Contains(l.Name)).ToList(), BrownCorpus.DescribeDocumentSplit(seed),
            [PinnedSources.Brown], MayCommit: false, SplitAssigner.Partition(examples, g => splitOf[g]));
    }
}
