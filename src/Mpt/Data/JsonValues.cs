using System.Text.Json;

namespace Mpt.Data;

/// <summary>
/// Converts JSON values to the plain objects examples are made of, the way Python's <c>json</c> module does:
/// string, <see cref="long"/> for integer literals, <see cref="double"/> for the rest, bool, null,
/// <see cref="List{T}"/> for arrays and an insertion-ordered dictionary for objects (Python dicts keep order,
/// and <c>str(dict)</c> shows it).
/// </summary>
internal static class JsonValues
{
    /// <summary>The plain object for <paramref name="element"/>.</summary>
    public static object? ToObject(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out long l) && IsIntegerLiteral(element.GetRawText())
            ? (object)l // the cast matters: without it the conditional's type is double
            : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        JsonValueKind.Array => element.EnumerateArray().Select(ToObject).ToList(),
        JsonValueKind.Object => ToRecord(element),
        _ => throw new ArgumentException($"Unsupported JSON value kind {element.ValueKind}."),
    };

    /// <summary>A JSON object as an insertion-ordered field dictionary.</summary>
    /// <exception cref="ArgumentException">The element is not an object, or holds a key twice.</exception>
    public static IReadOnlyDictionary<string, object?> ToRecord(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new ArgumentException($"Expected a JSON object, got {element.ValueKind}.");
        var record = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (JsonProperty p in element.EnumerateObject())
            if (!record.TryAdd(p.Name, ToObject(p.Value)))
                throw new ArgumentException($"Duplicate key '{p.Name}' in a JSON object.");
        return record;
    }

    private static bool IsIntegerLiteral(string raw) => raw.IndexOfAny(['.', 'e', 'E']) < 0;
}
