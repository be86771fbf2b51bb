using Mpt.Serialization;
using System.Text.Json;

namespace Mpt.Tokenization;

/// <summary>
/// The settings of an HF T5 tokenizer folder that change tokenization, read from <c>tokenizer_config.json</c> as
/// <c>T5Tokenizer.save_pretrained</c> writes it; every field falls back to the <c>T5Tokenizer.__init__</c> default
/// (transformers 4.40) when the file or the field is absent.
/// </summary>
internal sealed record T5TokenizerConfig
{
    /// <summary>Number of sentinels <c>&lt;extra_id_N&gt;</c> (<c>extra_ids</c>, default 100).</summary>
    public int ExtraIds { get; init; } = 100;

    /// <summary><c>legacy</c>: HF treats a missing value as true (and warns).</summary>
    public bool Legacy { get; init; } = true;

    /// <summary><c>add_prefix_space</c> (default true): the non-legacy path prepends "▁" to the text.</summary>
    public bool AddPrefixSpace { get; init; } = true;

    /// <summary><c>clean_up_tokenization_spaces</c> (default true).</summary>
    public bool CleanUpTokenizationSpaces { get; init; } = true;

    /// <summary><c>eos_token</c>.</summary>
    public string EosToken { get; init; } = "</s>";

    /// <summary><c>pad_token</c>.</summary>
    public string PadToken { get; init; } = "<pad>";

    /// <summary><c>unk_token</c>.</summary>
    public string UnkToken { get; init; } = "<unk>";

    /// <summary><c>added_tokens_decoder</c> (id → token), or null when the file does not list them.</summary>
    public IReadOnlyDictionary<int, AddedToken>? AddedTokensDecoder { get; init; }

    /// <summary>
    /// Most sentinels a folder may ask for. T5 uses 100; each sentinel is an added token built from nothing but this
    /// number, so a corrupt <c>extra_ids</c> (1,000,000,000) would otherwise make loading the tokenizer build a billion
    /// tokens. The bound is far above any published T5-family tokenizer and far below what hurts.
    /// </summary>
    public const int MaxExtraIds = 1 << 16;

    /// <summary>Reads <c>tokenizer_config.json</c> of <paramref name="folder"/>, or the defaults when it is absent.</summary>
    /// <exception cref="InvalidDataException">The file is not valid JSON or a field has the wrong type.</exception>
    public static T5TokenizerConfig Read(string folder)
    {
        string path = Path.Combine(folder, "tokenizer_config.json");
        if (!File.Exists(path)) return new T5TokenizerConfig();
        try
        {
            using var doc = UntrustedJson.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: expected a JSON object.");
            var config = new T5TokenizerConfig();
            if (root.TryGetProperty("extra_ids", out var extra) && extra.ValueKind != JsonValueKind.Null)
            {
                int value = extra.GetInt32();
                if (value is < 0 or > MaxExtraIds)
                    throw new InvalidDataException($"{path}: extra_ids must be in [0, {MaxExtraIds}], got {value}.");
                config = config with { ExtraIds = value };
            }
            if (root.TryGetProperty("legacy", out var legacy) && legacy.ValueKind != JsonValueKind.Null)
                config = config with { Legacy = legacy.GetBoolean() };
            if (root.TryGetProperty("add_prefix_space", out var prefix) && prefix.ValueKind != JsonValueKind.Null)
                config = config with { AddPrefixSpace = prefix.GetBoolean() };
            if (root.TryGetProperty("clean_up_tokenization_spaces", out var clean) && clean.ValueKind != JsonValueKind.Null)
                config = config with { CleanUpTokenizationSpaces = clean.GetBoolean() };
            config = config with
            {
                EosToken = TokenText(root, "eos_token", path) ?? config.EosToken,
                PadToken = TokenText(root, "pad_token", path) ?? config.PadToken,
                UnkToken = TokenText(root, "unk_token", path) ?? config.UnkToken,
            };
            if (root.TryGetProperty("added_tokens_decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object)
            {
                var tokens = new Dictionary<int, AddedToken>();
                foreach (var entry in decoder.EnumerateObject())
                {
                    if (!int.TryParse(entry.Name, out int id) || id < 0)
                        throw new InvalidDataException($"{path}: added_tokens_decoder key '{entry.Name}' is not a token id.");
                    var t = entry.Value;
                    string content = t.GetProperty("content").GetString()
                        ?? throw new InvalidDataException($"{path}: added_tokens_decoder[{id}] has no content.");
                    tokens[id] = new AddedToken(content, id,
                        LStrip: Flag(t, "lstrip"), RStrip: Flag(t, "rstrip"), SingleWord: Flag(t, "single_word"),
                        Special: !t.TryGetProperty("special", out var special) || special.GetBoolean());
                }
                config = config with { AddedTokensDecoder = tokens };
            }
            return config;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new InvalidDataException($"{path}: not a valid tokenizer_config.json ({ErrorText.OneLine(e.Message)}).", e);
        }
    }

    private static bool Flag(JsonElement token, string name) =>
        token.TryGetProperty(name, out var value) && value.GetBoolean();

    // A special token is written either as a string or as a serialized AddedToken {"content": ...}.
    private static string? TokenText(JsonElement root, string name, string path)
    {
        if (!root.TryGetProperty(name, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object => value.GetProperty("content").GetString(),
            JsonValueKind.Null => null,
            _ => throw new InvalidDataException($"{path}: {name} must be a string or an object with 'content'."),
        };
    }
}
