using System.Text.Json;
using Mpt.Data;

namespace Mpt.RealData;

/// <summary>
/// T1–T3 uci-amazon / uci-imdb / uci-yelp (docs/data.md): a review sentence → positive / negative, from the UCI
/// Sentiment Labelled Sentences (Kotzias et al. 2015) shipped as <c>test/fixtures/{amazon,imdb,yelp}.json</c> of
/// <c>sentiment</c>. Empty rows are dropped; duplicate sentences keep their first occurrence (and are dropped
/// entirely when the copies disagree). Split by sentence, stratified by label: 30 % test, 10 % validation, the rest
/// train (≈ 600 / 100 / 300); few-shot pools are drawn from train by the trainer.
/// </summary>
public static class UciSentimentTask
{
    /// <summary>The three review domains and their task ids.</summary>
    public static IReadOnlyList<(string Id, string Domain)> Domains { get; } = [("T1", "amazon"), ("T2", "imdb"), ("T3", "yelp")];

    /// <summary>The two classes with verbaliser descriptions.</summary>
    public static IReadOnlyList<TaskLabel> Labels { get; } = [new("negative", "negative review"), new("positive", "positive review")];

    /// <summary>Builds <c>uci-DOMAIN</c> from the unpacked <c>sentiment</c> folder.</summary>
    public static BenchmarkTask Build(string sentimentDir, string domain, int seed)
    {
        string id = Domains.FirstOrDefault(d => d.Domain == domain).Id
            ?? throw new ArgumentException($"unknown UCI domain '{domain}' (expected amazon, imdb or yelp)", nameof(domain));
        string path = SourceText.RequireFile(sentimentDir, Path.Combine("test", "fixtures", domain + ".json"), PinnedSources.UciSentiment);
        var rows = new List<(string Id, string Text, string Label)>();
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                throw new DataFormatException(new RowLocation(path), "expected a JSON array of {text, class}");
            int index = 0;
            foreach (JsonElement row in doc.RootElement.EnumerateArray())
            {
                index++;
                var where = new RowLocation(path, Row: index - 1);
                if (row.ValueKind != JsonValueKind.Object) throw new DataFormatException(where, "expected an object {text, class}");
                string text = row.TryGetProperty("text", out JsonElement t) && t.ValueKind == JsonValueKind.String
                    ? SourceText.CollapseWhitespace(t.GetString()!) : "";
                if (!row.TryGetProperty("class", out JsonElement c) || c.ValueKind == JsonValueKind.Null)
                {
                    // The files end with one {"text": "", "class": null} row: skip rows with no label and no text.
                    if (text.Length == 0) continue;
                    throw new DataFormatException(where, "row has text but no class", "class");
                }
                if (c.ValueKind != JsonValueKind.Number || !c.TryGetInt32(out int label) || label is not (0 or 1))
                    throw new DataFormatException(where, $"class must be 0 or 1, got {c}", "class");
                if (text.Length == 0) continue;
                rows.Add(($"{domain}-{index:D4}", text, label == 1 ? "positive" : "negative"));
            }
        }
        catch (JsonException e)
        {
            throw new DataFormatException(new RowLocation(path), $"invalid JSON: {e.Message}", inner: e);
        }

        var examples = ExampleDeduplicator.FirstOfEachText(rows).Select(r => new TaskExample(r.Id, r.Id, r.Label, r.Text)).ToList();
        var splitOf = SplitAssigner.AssignStratified(examples.Select(e => (e.Group, e.Label)), 0.1, 0.3, seed, $"uci-{domain}");
        return new BenchmarkTask(id, $"uci-{domain}", TaskRole.Target, $"{domain} review sentence", Labels,
            $"by sentence (duplicates removed), stratified by label: round(30%) test, round(10%) validation, rest train (SHA-256 rank, seed {seed})",
            [PinnedSources.UciSentiment], MayCommit: false, SplitAssigner.Partition(examples, g => splitOf[g]));
    }
}
