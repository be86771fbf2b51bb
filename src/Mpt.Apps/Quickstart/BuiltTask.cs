using System.Text.Json;
using Mpt.RealData;

namespace Mpt.Quickstart;

/// <summary>A task of a built benchmark: its labels (in class-index order) and split files.</summary>
/// <param name="Name">Task name, e.g. <c>uci-amazon</c>.</param>
/// <param name="Role">Source or target.</param>
/// <param name="Labels">Classes; class index c is <c>Labels[c]</c>.</param>
/// <param name="Splits">Split name (train, validation, test) → file.</param>
public sealed record BuiltTask(string Name, TaskRole Role, IReadOnlyList<TaskLabel> Labels, IReadOnlyDictionary<string, BuiltSplit> Splits)
{
    /// <summary>The label descriptions in class-index order (the similarity verbaliser's prototypes).</summary>
    public IReadOnlyList<string> LabelDescriptions => Labels.Select(l => l.Description).ToList();

    /// <summary>
    /// Reads the rows of split <paramref name="split"/>: <c>{"text", "label"}</c> or <c>{"text_a", "text_b", "label"}</c>,
    /// the label mapped to its class index.
    /// </summary>
    /// <exception cref="InvalidDataException">A bad line; the message names the file and the 1-based line.</exception>
    public IReadOnlyList<LabelledText> Read(string split)
    {
        if (!Splits.TryGetValue(split, out var file))
            throw new KeyNotFoundException($"task {Name} has no split '{split}' (splits: {string.Join(", ", Splits.Keys)}).");
        var index = Labels.Select((l, i) => (l.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        var rows = new List<LabelledText>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(file.Path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var row = doc.RootElement;
                string label = row.GetProperty("label").GetString() ?? throw new InvalidDataException("'label' is null.");
                if (!index.TryGetValue(label, out int c))
                    throw new InvalidDataException($"label '{label}' is not one of the manifest's labels ({string.Join(", ", index.Keys)}).");
                rows.Add(row.TryGetProperty("text", out var text)
                    ? new LabelledText(text.GetString() ?? "", null, c)
                    : new LabelledText(row.GetProperty("text_a").GetString() ?? "", row.GetProperty("text_b").GetString() ?? "", c));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or InvalidDataException)
            {
                throw new InvalidDataException($"{file.Path}:{lineNumber}: not a valid row ({e.Message}).", e);
            }
        }
        return rows;
    }
}
