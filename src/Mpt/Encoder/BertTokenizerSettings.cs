using System.Text.Json;
using Mpt.Serialization;

namespace Mpt.Encoder;

/// <summary>
/// How a BERT WordPiece tokenizer is configured: Hugging Face <c>BertTokenizer</c>'s init arguments as
/// <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> store them. The defaults are HF's (uncased BERT).
/// </summary>
public sealed record BertTokenizerSettings
{
    /// <summary>Lower-case the text (<c>do_lower_case</c>).</summary>
    public bool DoLowerCase { get; init; } = true;

    /// <summary>Strip accents (<c>strip_accents</c>); null = follow <see cref="DoLowerCase"/>, as HF does.</summary>
    public bool? StripAccents { get; init; }

    /// <summary>Make every CJK ideograph a word of its own (<c>tokenize_chinese_chars</c>).</summary>
    public bool TokenizeChineseChars { get; init; } = true;

    /// <summary>Words the basic tokenizer keeps whole and unchanged (<c>never_split</c>).</summary>
    public IReadOnlyList<string> NeverSplit { get; init; } = [];

    /// <summary>Unknown-word token (<c>unk_token</c>).</summary>
    public string UnkToken { get; init; } = "[UNK]";
    /// <summary>Separator token (<c>sep_token</c>).</summary>
    public string SepToken { get; init; } = "[SEP]";
    /// <summary>Padding token (<c>pad_token</c>).</summary>
    public string PadToken { get; init; } = "[PAD]";
    /// <summary>Classification token (<c>cls_token</c>).</summary>
    public string ClsToken { get; init; } = "[CLS]";
    /// <summary>Mask token (<c>mask_token</c>).</summary>
    public string MaskToken { get; init; } = "[MASK]";

    /// <summary>Longest input the model takes, special tokens included (<c>model_max_length</c>); null when unset.</summary>
    public int? ModelMaxLength { get; init; }

    /// <summary>
    /// Tokens listed as added tokens (<c>added_tokens_decoder</c> of tokenizer_config.json, or added_tokens.json) with
    /// their ids. HF matches them whole in the text, like the special tokens.
    /// </summary>
    public IReadOnlyDictionary<string, int> AddedTokens { get; init; } = new Dictionary<string, int>();

    /// <summary>The five special tokens, in HF's <c>all_special_tokens</c> order.</summary>
    public IReadOnlyList<string> SpecialTokens => [UnkToken, SepToken, PadToken, ClsToken, MaskToken];

    /// <summary>
    /// Reads <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> of a Hugging Face folder when present (HF
    /// uses its defaults for a missing file; special_tokens_map.json wins over tokenizer_config.json) and
    /// <c>added_tokens.json</c> of older folders.
    /// </summary>
    /// <exception cref="InvalidDataException">A file is malformed, names another tokenizer class, or asks for something
    /// this tokenizer does not do (<c>do_basic_tokenize</c> false, a <c>single_word</c> added token); the message names
    /// the file and key.</exception>
    public static BertTokenizerSettings FromHfFolder(string folder) => ErrorText.OneLineRejections(() => FromHfFolderCore(folder));

    private static BertTokenizerSettings FromHfFolderCore(string folder)
    {
        var settings = new BertTokenizerSettings();
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        string configPath = Path.Combine(folder, "tokenizer_config.json");
        if (File.Exists(configPath))
        {
            var root = HfJsonFields.ParseObject(File.ReadAllText(configPath), configPath);
            var r = new HfJsonFields(root, configPath);
            string? tokenizerClass = r.String("tokenizer_class");
            if (tokenizerClass is not null and not "BertTokenizer" and not "BertTokenizerFast")
                throw new InvalidDataException($"{configPath}: tokenizer_class '{tokenizerClass}' is not a BERT WordPiece tokenizer (expected BertTokenizer or BertTokenizerFast).");
            if (r.Bool("do_basic_tokenize") == false)
                throw new InvalidDataException($"{configPath}: do_basic_tokenize false is not supported (only BERT's basic tokenization followed by WordPiece).");
            settings = WithSpecialTokens(settings, r) with
            {
                DoLowerCase = r.Bool("do_lower_case") ?? true,
                StripAccents = r.Bool("strip_accents"),
                TokenizeChineseChars = r.Bool("tokenize_chinese_chars") ?? true,
                NeverSplit = r.StringList("never_split") ?? [],
                // HF writes a huge float (1e30) when the length is unknown.
                ModelMaxLength = r.Double("model_max_length") is { } max && max is >= 1 and <= int.MaxValue ? (int)max : null,
            };
            if (r.Get("added_tokens_decoder") is { } decoder) ReadAddedTokensDecoder(decoder, configPath, added);
        }
        string mapPath = Path.Combine(folder, "special_tokens_map.json");
        if (File.Exists(mapPath))
            settings = WithSpecialTokens(settings, new HfJsonFields(HfJsonFields.ParseObject(File.ReadAllText(mapPath), mapPath), mapPath));
        string addedPath = Path.Combine(folder, "added_tokens.json");
        if (File.Exists(addedPath))
        {
            foreach (var entry in HfJsonFields.ParseObject(File.ReadAllText(addedPath), addedPath).EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                    throw new InvalidDataException($"{addedPath}: key '{entry.Name}' must map to a token id, found {entry.Value.GetRawText()}.");
                added[entry.Name] = id;
            }
        }
        return settings with { AddedTokens = added };
    }

    private static BertTokenizerSettings WithSpecialTokens(BertTokenizerSettings settings, HfJsonFields r) => settings with
    {
        UnkToken = r.Token("unk_token") ?? settings.UnkToken,
        SepToken = r.Token("sep_token") ?? settings.SepToken,
        PadToken = r.Token("pad_token") ?? settings.PadToken,
        ClsToken = r.Token("cls_token") ?? settings.ClsToken,
        MaskToken = r.Token("mask_token") ?? settings.MaskToken,
    };

    /// <summary><c>{"id": {"content": ..., "lstrip": ..., "rstrip": ..., "single_word": ...}}</c> as v4.34+ writes it.</summary>
    private static void ReadAddedTokensDecoder(JsonElement decoder, string path, Dictionary<string, int> added)
    {
        if (decoder.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: key 'added_tokens_decoder' must be an object of id → token, found {decoder.ValueKind}.");
        foreach (var entry in decoder.EnumerateObject())
        {
            string where = $"{path}: added_tokens_decoder.{entry.Name}";
            if (!int.TryParse(entry.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id))
                throw new InvalidDataException($"{where}: the key is not a token id.");
            if (entry.Value.ValueKind != JsonValueKind.Object || !entry.Value.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{where}: expected an object with a \"content\" string.");
            // Whitespace handling around added tokens is not implemented: refuse rather than tokenize differently.
            foreach (string flag in new[] { "lstrip", "rstrip", "single_word" })
                if (entry.Value.TryGetProperty(flag, out var value) && value.ValueKind == JsonValueKind.True)
                    throw new InvalidDataException($"{where}.{flag} is true; added tokens that absorb whitespace or match whole words only are not supported.");
            added[content.GetString()!] = id;
        }
    }
}
