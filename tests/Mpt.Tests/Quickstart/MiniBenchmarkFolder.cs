using System.Security.Cryptography;
using System.Text.Json;
using Mpt.RealData;

namespace Mpt.Tests.Quickstart;

/// <summary>
/// A hand-written miniature of the real-data benchmark in a temporary folder: <c>manifest.json</c> in the layout of
/// <see cref="BenchmarkWriter"/> and JSONL splits, two sources (word sentiment, sentence topic; one a pair task) and one
/// target (review sentiment). Deleted on dispose.
/// </summary>
internal sealed class MiniBenchmarkFolder : IDisposable
{
    public const string Polarity = "mini-polarity";
    public const string Topic = "mini-topic";
    public const string Reviews = "mini-reviews";

    private static readonly string[] Good = ["wonderful", "excellent", "delightful", "superb", "lovely", "great", "pleasant", "brilliant", "charming", "fantastic"];
    private static readonly string[] Bad = ["terrible", "awful", "horrible", "dreadful", "lousy", "poor", "nasty", "miserable", "disgusting", "annoying"];

    private static readonly (string Text, string Label)[] TopicRows =
    [
        ("The striker scored twice in the final match.", "sports"), ("The team won the league after a long season.", "sports"),
        ("She ran the marathon in under three hours.", "sports"), ("The coach praised the goalkeeper.", "sports"),
        ("The tennis player served an ace.", "sports"), ("Fans cheered as the runner crossed the line.", "sports"),
        ("Add the flour and stir the soup slowly.", "food"), ("The bakery sells fresh bread every morning.", "food"),
        ("We grilled fish and roasted vegetables.", "food"), ("This recipe needs butter, sugar and eggs.", "food"),
        ("The restaurant serves spicy noodles.", "food"), ("He cooked rice with garlic and onions.", "food"),
    ];

    private static readonly (string Text, string Label)[] ReviewRows =
    [
        ("I loved this phone, it works perfectly.", "positive"), ("Great value and excellent quality.", "positive"),
        ("The service was friendly and fast.", "positive"), ("Absolutely delicious, I will come back.", "positive"),
        ("Highly recommended, a wonderful product.", "positive"), ("The battery lasts long and it looks nice.", "positive"),
        ("Best purchase I made this year.", "positive"), ("Comfortable, sturdy and well made.", "positive"),
        ("Very happy with it.", "positive"), ("Works great, easy to use.", "positive"),
        ("It broke after two days.", "negative"), ("Terrible quality, a waste of money.", "negative"),
        ("The food was cold and bland.", "negative"), ("Rude staff and a long wait.", "negative"),
        ("Do not buy this, it is useless.", "negative"), ("The screen cracked and support never answered.", "negative"),
        ("Worst experience ever.", "negative"), ("Poorly made and uncomfortable.", "negative"),
        ("Very disappointed with it.", "negative"), ("It stopped working, avoid it.", "negative"),
    ];

    public MiniBenchmarkFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mpt-quickstart-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
        var polarity = Good.Select(w => ($"{w}: describes something good", "positive")).Concat(Bad.Select(w => ($"{w}: describes something bad", "negative"))).ToArray();
        var tasks = new[]
        {
            Write(Polarity, "source", [("positive", "a positive word"), ("negative", "a negative word")], Interleave(polarity), pair: false),
            Write(Topic, "source", [("sports", "sports"), ("food", "food and cooking")], Interleave(TopicRows), pair: true),
            Write(Reviews, "target", [("positive", "a positive review"), ("negative", "a negative review")], Interleave(ReviewRows), pair: false),
        };
        using var stream = File.Create(System.IO.Path.Combine(Path, BenchmarkManifest.FileName));
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("format", BenchmarkManifest.Format);
        w.WriteNumber("seed", 1);
        w.WriteStartArray("tasks");
        foreach (var write in tasks) write(w);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Alternates the labels so every split (cut in thirds by position) holds both classes.</summary>
    private static (string Text, string Label)[] Interleave((string Text, string Label)[] rows)
    {
        var groups = rows.GroupBy(r => r.Label).Select(g => g.ToList()).ToList();
        var result = new List<(string, string)>();
        for (int i = 0; result.Count < rows.Length; i++)
            foreach (var g in groups)
                if (i < g.Count) result.Add(g[i]);
        return [.. result];
    }

    /// <summary>Writes the task's three splits (first half train, then a quarter each) and returns its manifest entry writer.</summary>
    private Action<Utf8JsonWriter> Write(string name, string role, (string Name, string Description)[] labels, (string Text, string Label)[] rows, bool pair)
    {
        Directory.CreateDirectory(Combine(name));
        int half = rows.Length / 2, quarter = rows.Length / 4;
        var splits = new[] { ("train", rows[..half]), ("validation", rows[half..(half + quarter)]), ("test", rows[(half + quarter)..]) };
        var files = new List<(string Split, string File, string Sha)>();
        foreach (var (split, part) in splits)
        {
            string relative = $"{name}/{split}.jsonl";
            var lines = part.Select((r, i) => pair
                ? JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = $"{name}-{split}-{i}", ["text_a"] = r.Text, ["text_b"] = "topic", ["label"] = r.Label })
                : JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = $"{name}-{split}-{i}", ["text"] = r.Text, ["label"] = r.Label }));
            File.WriteAllText(Combine(relative), string.Join("\n", lines) + "\n");
            files.Add((split, relative, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Combine(relative))))));
        }
        return w =>
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("role", role);
            w.WriteStartArray("labels");
            foreach (var (label, description) in labels)
            {
                w.WriteStartObject();
                w.WriteString("name", label);
                w.WriteString("description", description);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("splits");
            foreach (var (split, file, sha) in files)
            {
                w.WriteStartObject(split);
                w.WriteString("file", file);
                w.WriteString("sha256", sha);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        };
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* best effort: a leftover temp folder must not fail a test */ }
    }
}
