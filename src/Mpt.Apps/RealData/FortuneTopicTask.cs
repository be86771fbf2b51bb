namespace Mpt.RealData;

/// <summary>
/// T6 fortune-topic (docs/data.md): a fortune (quotation/joke, white space collapsed) → one of 10 topics, from the
/// Debian <c>fortunes</c> files under <c>usr/share/games/fortunes/</c> (<c>%</c> lines separate entries). A text
/// found in two topic files is dropped (ambiguous label); repeats within one file keep the first. Split by fortune,
/// stratified by topic: 30 % test, 10 % validation, rest train (docs/data.md).
/// </summary>
public static class FortuneTopicTask
{
    /// <summary>The 10 topics (fortune file names) with verbaliser descriptions.</summary>
    public static IReadOnlyList<TaskLabel> Labels { get; } =
    [
        new("computers", "computers and programming"), new("drugs", "drugs and alcohol"),
        new("education", "school and education"), new("food", "food and eating"), new("law", "law and lawyers"),
        new("love", "love and romance"), new("medicine", "medicine and doctors"), new("politics", "politics and government"),
        new("science", "science and scientists"), new("sports", "sports and games"),
    ];

    /// <summary>Builds the task from the unpacked .deb tree (the folder holding <c>usr/</c>).</summary>
    public static BenchmarkTask Build(string fortunesRoot, int seed)
    {
        string dir = SourceText.RequireDirectory(fortunesRoot, Path.Combine("usr", "share", "games", "fortunes"), PinnedSources.Fortunes);
        var rows = new List<(string Id, string Text, string Label)>();
        foreach (TaskLabel topic in Labels)
        {
            string path = SourceText.RequireFile(dir, topic.Name, PinnedSources.Fortunes);
            int n = 0;
            foreach (string fortune in ReadFortunes(path))
            {
                n++;
                rows.Add(($"{topic.Name}-{n:D4}", fortune, topic.Name));
            }
        }
        var examples = ExampleDeduplicator.FirstOfEachText(rows).Select(r => new TaskExample(r.Id, r.Id, r.Label, r.Text)).ToList();
        var splitOf = SplitAssigner.AssignStratified(examples.Select(e => (e.Group, e.Label)), 0.1, 0.3, seed, "fortune");
        return new BenchmarkTask("T6", "fortune-topic", TaskRole.Target, "fortune text, white space collapsed", Labels,
            $"by fortune (texts in two topics dropped), stratified by topic: round(30%) test, round(10%) validation, rest train (SHA-256 rank, seed {seed})",
            [PinnedSources.Fortunes], MayCommit: false, SplitAssigner.Partition(examples, g => splitOf[g]));
    }

    /// <summary>The non-empty entries of a strfile source file (entries separated by lines consisting of '%').</summary>
    internal static IEnumerable<string> ReadFortunes(string path)
    {
        var current = new List<string>();
        foreach (string line in SourceText.ReadAllLines(path).Append("%"))
        {
            if (line.TrimEnd() == "%")
            {
                string text = SourceText.CollapseWhitespace(string.Join('\n', current));
                current.Clear();
                if (text.Length > 0) yield return text;
                continue;
            }
            current.Add(line);
        }
    }
}
