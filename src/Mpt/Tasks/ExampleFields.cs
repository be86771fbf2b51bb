using Mpt.Data;

namespace Mpt.Tasks;

/// <summary>Field access on raw examples with errors that name the task and the field.</summary>
internal static class ExampleFields
{
    public static object? Get(TaskDefinition task, IReadOnlyDictionary<string, object?> example, string field) =>
        example.TryGetValue(field, out object? v)
            ? v
            : throw new TaskFormatException(task.Name,
                $"field '{field}' is missing (the example has: {string.Join(", ", example.Keys)}).");

    /// <summary>Python <c>str(example[field])</c>.</summary>
    public static string Str(TaskDefinition task, IReadOnlyDictionary<string, object?> example, string field) =>
        PythonText.Str(Get(task, example, field));

    public static string String(TaskDefinition task, IReadOnlyDictionary<string, object?> example, string field) =>
        Get(task, example, field) as string
        ?? throw new TaskFormatException(task.Name, $"field '{field}' must be a string, got {Describe(example[field])}.");

    public static long Integer(TaskDefinition task, IReadOnlyDictionary<string, object?> example, string field) =>
        Get(task, example, field) switch
        {
            long l => l,
            int i => i,
            string s when PythonText.TryParseInt(s, out long v) => v,
            var other => throw new TaskFormatException(task.Name,
                $"field '{field}' must be an integer, got {Describe(other)} (Python int() raises ValueError)."),
        };

    public static double Number(TaskDefinition task, IReadOnlyDictionary<string, object?> example, string field) =>
        Get(task, example, field) switch
        {
            double d => d,
            float f => f,
            long l => l,
            int i => i,
            var other => throw new TaskFormatException(task.Name, $"field '{field}' must be a number, got {Describe(other)}."),
        };

    public static IReadOnlyList<string> StringList(TaskDefinition task, IReadOnlyDictionary<string, object?> example, string field)
    {
        if (Get(task, example, field) is IEnumerable<object?> list)
        {
            var result = new List<string>();
            foreach (object? item in list)
                result.Add(item as string ?? throw new TaskFormatException(task.Name,
                    $"field '{field}' must be a list of strings, found {Describe(item)}."));
            return result;
        }
        throw new TaskFormatException(task.Name, $"field '{field}' must be a list of strings, got {Describe(example[field])}.");
    }

    public static IReadOnlyDictionary<string, object?> Object(TaskDefinition task, IReadOnlyDictionary<string, object?> example, string field) =>
        Get(task, example, field) as IReadOnlyDictionary<string, object?>
        ?? throw new TaskFormatException(task.Name, $"field '{field}' must be an object, got {Describe(example[field])}.");

    public static string Describe(object? value) => value switch
    {
        null => "null",
        string s => $"the string {PythonText.ReprString(s)}",
        _ => $"{PythonText.Repr(value)} ({value.GetType().Name})",
    };
}
