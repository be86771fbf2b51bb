using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Mpt.RealData;

/// <summary>
/// Writes built tasks as <c>OUTPUT/TASK/{train,validation,test}.jsonl</c> and <c>OUTPUT/manifest.json</c>.
/// Rows are <c>{"id", "text", "label"}</c> (pairs: <c>{"id", "text_a", "text_b", "label"}</c>), UTF-8 without BOM,
/// '\n' line ends, fixed key order and escaping, no timestamps or absolute paths — so building twice gives
/// byte-identical files, and the manifest's sha256 values identify a build.
/// </summary>
public static class BenchmarkWriter
{
    private static readonly JsonWriterOptions RowOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonWriterOptions ManifestOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = true, NewLine = "\n" };

    /// <summary>Writes every task and the manifest; returns the manifest summary.</summary>
    public static BenchmarkManifest Write(IReadOnlyList<BenchmarkTask> tasks, string outputDir, int seed)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDir);
        Directory.CreateDirectory(outputDir);
        var duplicate = tasks.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"task name '{duplicate.Key}' occurs twice", nameof(tasks));

        var entries = tasks.Select(task => WriteTask(task, outputDir)).ToList();
        string manifestPath = Path.Combine(Path.GetFullPath(outputDir), BenchmarkManifest.FileName);
        WriteAtomically(manifestPath, stream => WriteManifest(stream, tasks, entries, seed));
        return new BenchmarkManifest(manifestPath, seed, entries);
    }

    private static ManifestEntry WriteTask(BenchmarkTask task, string outputDir)
    {
        string folder = Path.Combine(outputDir, task.Name);
        Directory.CreateDirectory(folder);
        var sizes = new Dictionary<string, int>(StringComparer.Ordinal);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        bool pair = task.IsPair;
        foreach (TaskSplit split in task.Splits)
        {
            string relative = $"{task.Name}/{split.Name}.jsonl";
            string path = Path.Combine(outputDir, task.Name, split.Name + ".jsonl");
            WriteAtomically(path, stream => WriteRows(stream, split.Examples, pair));
            sizes[split.Name] = split.Examples.Count;
            files[split.Name] = relative;
            hashes[split.Name] = Integrity.Sha256Hex(path);
        }
        return new ManifestEntry(task.Id, task.Name, task.Role, task.Labels, sizes, files, hashes);
    }

    private static void WriteRows(Stream stream, IReadOnlyList<TaskExample> examples, bool pair)
    {
        using var writer = new Utf8JsonWriter(stream, RowOptions);
        foreach (TaskExample e in examples)
        {
            writer.WriteStartObject();
            writer.WriteString("id", e.Id);
            if (pair)
            {
                writer.WriteString("text_a", e.Text);
                writer.WriteString("text_b", e.TextB ?? "");
            }
            else
            {
                writer.WriteString("text", e.Text);
            }
            writer.WriteString("label", e.Label);
            writer.WriteEndObject();
            writer.Flush();
            stream.WriteByte((byte)'\n');
            writer.Reset();
        }
    }

    private static void WriteManifest(Stream stream, IReadOnlyList<BenchmarkTask> tasks, IReadOnlyList<ManifestEntry> entries, int seed)
    {
        using var w = new Utf8JsonWriter(stream, ManifestOptions);
        w.WriteStartObject();
        w.WriteString("format", BenchmarkManifest.Format);
        w.WriteNumber("seed", seed);
        w.WriteString("row_format", "JSON Lines; single-text tasks {id, text, label}, pair tasks {id, text_a, text_b, label}");
        w.WriteStartArray("tasks");
        for (int i = 0; i < tasks.Count; i++)
        {
            BenchmarkTask task = tasks[i];
            ManifestEntry entry = entries[i];
            w.WriteStartObject();
            w.WriteString("id", task.Id);
            w.WriteString("name", task.Name);
            w.WriteString("role", task.Role == TaskRole.Source ? "source" : "target");
            w.WriteString("input", task.Input);
            w.WriteStartArray("fields");
            foreach (string f in task.IsPair ? new[] { "text_a", "text_b" } : ["text"]) w.WriteStringValue(f);
            w.WriteEndArray();
            w.WriteStartArray("labels");
            foreach (TaskLabel label in task.Labels)
            {
                w.WriteStartObject();
                w.WriteString("name", label.Name);
                w.WriteString("description", label.Description);
                w.WriteStartObject("counts");
                foreach (TaskSplit split in task.Splits) w.WriteNumber(split.Name, split.Examples.Count(e => e.Label == label.Name));
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("split_rule", task.SplitRule);
            w.WriteStartObject("splits");
            foreach (TaskSplit split in task.Splits)
            {
                w.WriteStartObject(split.Name);
                w.WriteString("file", entry.Files[split.Name]);
                w.WriteNumber("examples", split.Examples.Count);
                w.WriteNumber("groups", split.Examples.Select(e => e.Group).Distinct(StringComparer.Ordinal).Count());
                w.WriteString("sha256", entry.Sha256[split.Name]);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteStartArray("sources");
            foreach (PinnedPackage source in task.Sources)
            {
                w.WriteStartObject();
                w.WriteString("registry", source.Registry == PackageRegistry.Npm ? "npm" : "debian");
                w.WriteString("package", source.Name);
                w.WriteString("version", source.Version);
                w.WriteString("integrity", source.Integrity);
                w.WriteString("licence", source.Licence);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteBoolean("may_commit", task.MayCommit);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        stream.WriteByte((byte)'\n');
    }

    /// <summary>Writes to a temporary sibling and renames it over the target, so an interrupted build leaves no half-written file.</summary>
    private static void WriteAtomically(string path, Action<Stream> write)
    {
        string temp = path + ".tmp";
        using (FileStream stream = File.Create(temp)) write(stream);
        File.Move(temp, path, overwrite: true);
    }
}
