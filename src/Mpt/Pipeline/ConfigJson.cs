using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Mpt.Serialization;

namespace Mpt.Pipeline;

/// <summary>
/// Reads, overrides and writes <see cref="PipelineConfig"/> files: snake_case keys, enums as snake_case names. Values
/// resolve as flag &gt; file &gt; defaults: the file is parsed into a JSON tree, each override replaces one key path in
/// that tree (<c>distill.lambda=0.5</c>), and the tree is bound to the records, whose initialisers supply every missing
/// key. Unknown keys are refused with the closest valid key (a typo must not silently fall back to a default).
/// </summary>
public static class ConfigJson
{
    /// <summary>The serializer settings of config files.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        // A null where the record has a non-nullable member is a config error naming the key, not a crash later.
        RespectNullableAnnotations = true,
    };

    /// <summary>
    /// The settings of what a finished run depends on (<c>pipeline_settings.json</c>, compared on --resume): as
    /// <see cref="Options"/>, but keys added after runs were recorded are left out while they hold the behaviour of
    /// those runs (<see cref="LegacyValueAttribute"/>), so the older records still match. Not for config files, which
    /// must read back to the same values.
    /// </summary>
    public static readonly JsonSerializerOptions RunSettingsOptions = new(Options)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { LegacyValueAttribute.OmitLegacyValues } },
    };

    /// <summary>Reads <paramref name="path"/> (or the defaults when null) and applies <paramref name="overrides"/> in order.</summary>
    /// <param name="path">The config file, or null.</param>
    /// <param name="overrides">(key path, JSON value) pairs, e.g. ("distill.lambda", 0.5).</param>
    /// <exception cref="ConfigException">Unreadable JSON, an unknown key or a value of the wrong type (the key is named).</exception>
    public static PipelineConfig Load(string? path, IEnumerable<KeyValuePair<string, JsonNode?>>? overrides = null)
    {
        JsonObject root;
        string where = path ?? "defaults";
        if (path is null) root = new JsonObject();
        else
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"Config file '{path}' does not exist.", path);
            try
            {
                root = ParseText(File.ReadAllText(path)) ?? throw new ConfigException($"{path}: a config file must hold a JSON object.");
            }
            catch (JsonException e)
            {
                throw new ConfigException($"{path}: not valid JSON ({UntrustedJson.Describe(e)}).", e);
            }
        }
        foreach (var (key, value) in overrides ?? []) Set(root, key, value);
        return Bind(root, where);
    }

    /// <summary>Parses a config from JSON text (same rules as <see cref="Load"/>), then applies <paramref name="overrides"/> in order.</summary>
    /// <param name="json">The config text.</param>
    /// <param name="where">How messages name the text (a file name, a preset).</param>
    /// <param name="overrides">(key path, JSON value) pairs, as for <see cref="Load"/>.</param>
    public static PipelineConfig Parse(string json, string where = "config", IEnumerable<KeyValuePair<string, JsonNode?>>? overrides = null)
    {
        JsonObject root;
        try
        {
            root = ParseText(json) ?? throw new ConfigException($"{where}: a config must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw new ConfigException($"{where}: not valid JSON ({UntrustedJson.Describe(e)}).", e);
        }
        foreach (var (key, value) in overrides ?? []) Set(root, key, value);
        return Bind(root, where);
    }

    /// <summary>
    /// The config's top-level object (null when the JSON is another kind). Comments and trailing commas are allowed; a
    /// key given twice is refused (a JsonObject cannot hold it, and which value wins would be a guess), and strings are
    /// checked to be valid Unicode before the node tree is built (<see cref="UntrustedJson"/>).
    /// </summary>
    /// <exception cref="JsonException">Malformed JSON, a duplicate key or an invalid string.</exception>
    private static JsonObject? ParseText(string text)
    {
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowDuplicateProperties = false };
        using (UntrustedJson.Parse(text, options)) { }
        return JsonNode.Parse(text, documentOptions: options) as JsonObject;
    }

    /// <summary>The config as indented snake_case JSON (every value, defaults included).</summary>
    public static string Serialize(PipelineConfig config) => JsonSerializer.Serialize(config, Options);

    /// <summary>
    /// An override from text, <c>key.path=value</c>: the value is read as JSON when it parses (numbers, true/false, null,
    /// arrays, quoted strings) and as a plain string otherwise.
    /// </summary>
    /// <exception cref="ConfigException">No '=' or an empty key.</exception>
    public static KeyValuePair<string, JsonNode?> ParseAssignment(string assignment)
    {
        int eq = assignment.IndexOf('=');
        if (eq <= 0) throw new ConfigException($"override '{assignment}' must look like key.path=value (e.g. distill.lambda=0.5).");
        string key = assignment[..eq].Trim(), text = assignment[(eq + 1)..];
        JsonNode? value;
        try { value = text == "null" ? null : JsonNode.Parse(text); }
        catch (JsonException) { value = JsonValue.Create(text); }
        return new(key, value);
    }

    /// <summary>Replaces the value at <paramref name="keyPath"/> (dot-separated; objects are created as needed).</summary>
    public static void Set(JsonObject root, string keyPath, JsonNode? value)
    {
        string[] parts = keyPath.Split('.');
        JsonObject node = root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            if (node[parts[i]] is JsonObject child) node = child;
            else
            {
                var created = new JsonObject();
                node[parts[i]] = created;
                node = created;
            }
        }
        node[parts[^1]] = value?.DeepClone();
    }

    /// <summary>Binds the JSON tree; a message that quotes a key or value holding a line break is kept on one line.</summary>
    private static PipelineConfig Bind(JsonObject root, string where)
    {
        try { return BindCore(root, where); }
        catch (ConfigException e) when (ErrorText.IsMultiLine(e.Message)) { throw new ConfigException(ErrorText.OneLine(e.Message), e); }
    }

    private static PipelineConfig BindCore(JsonObject root, string where)
    {
        CheckKeys(root, typeof(PipelineConfig), "", where);
        try
        {
            return root.Deserialize<PipelineConfig>(Options) ?? new PipelineConfig();
        }
        catch (JsonException e)
        {
            string field = (e.Path ?? "$").TrimStart('$').TrimStart('.');
            string detail = e.Message.Split(" Path:")[0];
            throw new ConfigException($"{where}: {(field.Length == 0 ? "config" : field)}: wrong value type ({detail}).", e);
        }
    }

    /// <summary>Walks the tree along the record types and refuses keys no property maps to.</summary>
    private static void CheckKeys(JsonNode? node, Type type, string path, string where)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (node is JsonObject obj && IsConfigRecord(type))
        {
            var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanWrite)
                .ToDictionary(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name), StringComparer.Ordinal);
            foreach (var (key, value) in obj)
            {
                if (!properties.TryGetValue(key, out var property))
                {
                    string? closest = Closest(key, properties.Keys);
                    throw new ConfigException($"{where}: unknown setting '{path}{key}'" +
                        (closest is null ? "" : $". Did you mean '{path}{closest}'?") +
                        $" Valid keys{(path.Length == 0 ? "" : $" of '{path.TrimEnd('.')}'")}: {string.Join(", ", properties.Keys)}.");
                }
                CheckKeys(value, property.PropertyType, $"{path}{key}.", where);
            }
        }
        else if (node is JsonArray array && ElementType(type) is { } element)
        {
            for (int i = 0; i < array.Count; i++) CheckKeys(array[i], element, $"{path.TrimEnd('.')}[{i}].", where);
        }
    }

    private static bool IsConfigRecord(Type type) => type.Namespace == typeof(PipelineConfig).Namespace && type.IsClass;

    private static Type? ElementType(Type type) =>
        type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0] : null;

    /// <summary>The candidate nearest to <paramref name="word"/> (edit distance within max(2, len/3)), or null.</summary>
    public static string? Closest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string c in candidates)
        {
            int d = Tasks.TaskCatalog.EditDistance(word.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (c, d);
        }
        return best is not null && bestDistance <= Math.Max(2, word.Length / 3) ? best : null;
    }
}
