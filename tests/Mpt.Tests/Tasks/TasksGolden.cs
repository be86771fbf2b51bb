using System.Text.Json;
using Mpt.Data;
using Mpt.Tests.Infrastructure;

namespace Mpt.Tests.Tasks;

/// <summary>Reads <c>golden/tasks/tasks_golden.json</c> once and exposes its tasks and examples.</summary>
internal static class TasksGolden
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(GoldenRoot.Combine("tasks", "tasks_golden.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public static IEnumerable<JsonElement> Tasks => Root.GetProperty("tasks").EnumerateArray();

    public static JsonElement Task(string name) => Tasks.Single(t => t.GetProperty("task").GetString() == name);

    public static IReadOnlyDictionary<string, object?> Raw(JsonElement example) =>
        JsonValues.ToRecord(example.GetProperty("raw"));

    /// <summary>A canonical JSON text of a value, to compare object graphs exactly.</summary>
    public static string Canonical(object? value) => JsonSerializer.Serialize(value);

    public static string Canonical(JsonElement element) => Canonical(JsonValues.ToObject(element));
}
