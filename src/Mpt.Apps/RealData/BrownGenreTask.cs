namespace Mpt.RealData;

/// <summary>
/// S1 brown-genre (docs/data.md): a Brown corpus sentence (tags stripped, lightly detokenised) → one of the 15 genres.
/// Split by <b>document</b> (<see cref="BrownCorpus.DocumentSplit"/>), so no document contributes sentences to two
/// splits.
/// </summary>
public static class BrownGenreTask
{
    /// <summary>Builds the task from the documents of <see cref="BrownCorpus.Read"/>.</summary>
    public static BenchmarkTask Build(IReadOnlyList<BrownDocument> documents, int seed)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var examples = new List<TaskExample>();
        foreach (BrownDocument document in documents)
            for (int s = 0; s < document.Sentences.Count; s++)
                examples.Add(new TaskExample($"{document.Id}-{s + 1:D4}", document.Id, document.Genre,
                    BrownCorpus.Detokenize(document.Sentences[s].Select(t => t.Word))));
        var splitOf = BrownCorpus.DocumentSplit(documents, seed);
        var genres = documents.Select(d => d.Genre).ToHashSet(StringComparer.Ordinal);
        return new BenchmarkTask("S1", "brown-genre", TaskRole.Source, "Brown sentence, POS tags stripped, detokenised",
            BrownCorpus.Genres.Where(l => genres.Contains(l.Name)).ToList(), BrownCorpus.DescribeDocumentSplit(seed),
            [PinnedSources.Brown], MayCommit: false, SplitAssigner.Partition(examples, g => splitOf[g]));
    }
}
