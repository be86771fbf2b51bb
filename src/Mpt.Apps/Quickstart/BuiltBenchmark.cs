using System.Text.Json;
using Mpt.RealData;

namespace Mpt.Quickstart;

/// <summary>
/// A benchmark folder as <see cref="RealDataBenchmark.BuildAll"/> writes it, read back: <c>manifest.json</c> (tasks,
/// roles, labels with their descriptions, split files and their sha256) and the JSONL rows of each split.
/// </summary>
public sealed class BuiltBenchmark
{
    private readonly Dictionary<string, BuiltTask> _tasks;

    private BuiltBenchmark(string folder, IReadOnlyList<BuiltTask> tasks)
    {
        Folder = folder;
        Tasks = tasks;
        _tasks = tasks.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The benchmark folder (absolute).</summary>
    public string Folder { get; }

    /// <summary>Every task of the manifest, in manifest order.</summary>
    public IReadOnlyList<BuiltTask> Tasks { get; }

    /// <summary>The task named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such task; the message lists the tasks there are.</exception>
    public BuiltTask Task(string name) =>
        _tasks.TryGetValue(name, out var task) ? task
            : throw new KeyNotFoundException($"{Path.Combine(Folder, BenchmarkManifest.FileName)}: no task '{name}' (tasks: {string.Join(", ", Tasks.Select(t => t.Name))}).");

    /// <summary>Reads <c>folder/manifest.json</c>.</summary>
    /// <exception cref="FileNotFoundException">No manifest.</exception>
    /// <exception cref="InvalidDataException">A malformed manifest; the message names the file and the field.</exception>
    public static BuiltBenchmark Open(string folder)
    {
        folder = Path.GetFullPath(folder);
        string path = Path.Combine(folder, BenchmarkManifest.FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: benchmark manifest not found.", path);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            string format = Text(root, "format");
            if (format != BenchmarkManifest.Format)
                throw new InvalidDataException($"format '{format}', this version reads '{BenchmarkManifest.Format}' (rebuild the data).");
            var tasks = new List<BuiltTask>();
            foreach (var t in Property(root, "tasks").EnumerateArray())
            {
                string name = Text(t, "name");
                string role = Text(t, "role");
                var labels = Property(t, "labels").EnumerateArray()
                    .Select(l => new TaskLabel(Text(l, "name"), Text(l, "description"))).ToList();
                var splits = new Dictionary<string, BuiltSplit>(StringComparer.Ordinal);
                foreach (var s in Property(t, "splits").EnumerateObject())
                    splits[s.Name] = new BuiltSplit(Path.Combine(folder, Text(s.Value, "file")), Text(s.Value, "sha256"));
                tasks.Add(new BuiltTask(name, role == "source" ? TaskRole.Source : role == "target" ? TaskRole.Target
                    : throw new InvalidDataException($"task {name}: role '{role}' is neither 'source' nor 'target'."), labels, splits));
            }
            return new BuiltBenchmark(folder, tasks);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: not a valid benchmark manifest ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Whether <paramref name="folder"/> holds a complete build that has every task in <paramref name="taskNames"/>,
    /// each split file present with the manifest's sha256 (an interrupted or edited build is rebuilt).
    /// </summary>
    public static bool IsComplete(string folder, IEnumerable<string> taskNames)
    {
        try
        {
            var built = Open(folder);
            foreach (string name in taskNames)
            {
                if (!built._tasks.TryGetValue(name, out var task)) return false;
                foreach (var split in task.Splits.Values)
                    if (!File.Exists(split.Path) || Integrity.Sha256Hex(split.Path) != split.Sha256) return false;
            }
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            return false;
        }
    }

    private static JsonElement Property(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) ? value : throw new InvalidDataException($"missing field '{name}'.");

    private static string Text(JsonElement e, string name) =>
        Property(e, name) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : throw new InvalidDataException($"field '{name}' is not a string.");
}
