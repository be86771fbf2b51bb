using System.Text.Json;

namespace Mpt.Serialization;

/// <summary>
/// Parses JSON from a file a stranger may have written. <see cref="JsonDocument.Parse(string, JsonDocumentOptions)"/>
/// checks the syntax but not the text inside strings: invalid UTF-8 and lone surrogate escapes (<c>"\ud800"</c>) only
/// fail later, when a string is read, with an <see cref="InvalidOperationException"/> that no parser expects. Every
/// string and property name is decoded here once, so such a file fails at parse time with a <see cref="JsonException"/>
/// like any other malformed JSON, and each reader keeps its one <c>catch (JsonException)</c>.
/// </summary>
internal static class UntrustedJson
{
    /// <summary>Parses and validates UTF-16 JSON text.</summary>
    /// <exception cref="JsonException">Malformed JSON or a string that is not valid Unicode.</exception>
    public static JsonDocument Parse(string text, JsonDocumentOptions options = default) => Validated(JsonDocument.Parse(text, options));

    /// <summary>Parses and validates UTF-8 JSON bytes.</summary>
    /// <exception cref="JsonException">Malformed JSON or a string that is not valid UTF-8.</exception>
    public static JsonDocument Parse(ReadOnlyMemory<byte> utf8, JsonDocumentOptions options = default) => Validated(JsonDocument.Parse(utf8, options));

    /// <summary>A <see cref="JsonException"/> message on one line (System.Text.Json quotes the rest of a bad line).</summary>
    public static string Describe(JsonException e) => ErrorText.OneLine(e.Message);

    private static JsonDocument Validated(JsonDocument doc)
    {
        try
        {
            Check(doc.RootElement);
            return doc;
        }
        catch
        {
            doc.Dispose();
            throw;
        }
    }

    private static void Check(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                Decode(element, static e => e.GetString(), "a string value");
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Decode(property, static p => p.Name, "a key");
                    Check(property.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) Check(item);
                break;
        }
    }

    private static void Decode<T>(T item, Func<T, string?> read, string what)
    {
        try { read(item); }
        catch (InvalidOperationException e)
        {
            throw new JsonException($"{what} is not valid Unicode ({e.Message})", e);
        }
    }
}
