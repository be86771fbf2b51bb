using System.Text.Json;

namespace Mpt.Serialization;

/// <summary>
/// Typed reads of the top-level keys of a Hugging Face JSON file (config.json, tokenizer_config.json), each error
/// naming the file and the key. A key set to <c>null</c> reads as absent, as HF treats it. Shared by the T5 and BERT
/// config readers and the tokenizer settings, so every HF file reports problems the same way.
/// </summary>
internal sealed class HfJsonFields(JsonElement root, string source)
{
    /// <summary>The value of <paramref name="key"/>, or null when absent or JSON null.</summary>
    public JsonElement? Get(string key) =>
        root.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private InvalidDataException WrongType(string key, JsonElement v, string expected) =>
        new($"{source}: key '{key}' must be {expected}, found {v.ValueKind} ({Truncate(v.GetRawText())}).");

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";

    public int RequiredInt(string key) =>
        Int(key) ?? throw new InvalidDataException($"{source}: required key '{key}' is missing.");

    public int? Int(string key)
    {
        if (Get(key) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)) return i;
        throw WrongType(key, v, "an integer");
    }

    public long? Long(string key)
    {
        if (Get(key) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long i)) return i;
        throw WrongType(key, v, "an integer");
    }

    public double? Double(string key)
    {
        if (Get(key) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        throw WrongType(key, v, "a number");
    }

    public bool? Bool(string key)
    {
        if (Get(key) is not { } v) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(key, v, "true or false"),
        };
    }

    public string? String(string key)
    {
        if (Get(key) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        throw WrongType(key, v, "a string");
    }

    /// <summary>
    /// A token given as a string or as a serialised <c>AddedToken</c> object (<c>{"content": "[CLS]", ...}</c>), as
    /// tokenizer_config.json and special_tokens_map.json write special tokens.
    /// </summary>
    public string? Token(string key)
    {
        if (Get(key) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
            return content.GetString();
        throw WrongType(key, v, "a token string or an object with a \"content\" string");
    }

    /// <summary>A list of strings (null when absent).</summary>
    public IReadOnlyList<string>? StringList(string key)
    {
        if (Get(key) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String))
            return v.EnumerateArray().Select(x => x.GetString()!).ToArray();
        throw WrongType(key, v, "a list of strings");
    }

    /// <summary>Parses a whole file; malformed JSON or a non-object top level is one error naming the file.</summary>
    public static JsonElement ParseObject(string text, string source)
    {
        try
        {
            using var doc = UntrustedJson.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{source}: expected a JSON object at the top level, found {doc.RootElement.ValueKind}.");
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {UntrustedJson.Describe(e)}", e);
        }
    }
}
