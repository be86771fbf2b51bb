using Mpt.Serialization;
using System.Text;
using System.Text.Json;

namespace Mpt.Tokenization;

/// <summary>
/// The T5 tokenizer, equal to HF transformers 4.40 <c>T5Tokenizer</c> (the slow, SentencePiece one) and, for the plain
/// SentencePiece methods, to Python <c>sentencepiece</c> 0.1.97 — pinned by the golden tokenizer tests.
/// <para>
/// Vocabulary: the <c>spiece.model</c> pieces (T5: pad 0, eos 1, unk 2, no bos) followed by <see cref="ExtraIds"/>
/// sentinels, <c>&lt;extra_id_N&gt;</c> = <see cref="VocabSize"/> − 1 − N. HF encoding: the added tokens
/// <c>&lt;/s&gt; &lt;pad&gt; &lt;unk&gt; &lt;extra_id_N&gt;</c> are matched literally in the text (sentinels absorb
/// surrounding whitespace), the text between them goes through SentencePiece, and eos is appended unless the ids
/// already end with it.
/// </para>
/// <para>Immutable after loading, so one instance can be shared between threads.</para>
/// </summary>
public sealed class T5Tokenizer
{
    private const string SpaceSymbol = "\u2581";

    private readonly SentencePieceProcessor _spAsLoaded;
    private readonly SentencePieceProcessor _sp;
    private readonly AddedTokenSplitter _splitter;
    private readonly Dictionary<string, AddedToken> _addedByContent = new(StringComparer.Ordinal);
    private readonly Dictionary<int, AddedToken> _addedById = new();
    private readonly HashSet<string> _specialTokens = new(StringComparer.Ordinal);
    private readonly HashSet<int> _specialIds = new();
    private readonly HashSet<string> _decodedApartTokens = new(StringComparer.Ordinal);
    private readonly int _unkTokenLength;
    private readonly bool _piecesCanBeAddedTokens;

    private T5Tokenizer(SentencePieceProcessor sp, T5TokenizerConfig config, string source)
    {
        SourceFile = source;
        Legacy = config.Legacy;
        AddPrefixSpace = config.AddPrefixSpace;
        CleanUpTokenizationSpaces = config.CleanUpTokenizationSpaces;
        ExtraIds = config.ExtraIds;
        // legacy=False: HF reloads spiece.model with add_dummy_prefix = False and adds the prefix itself.
        _spAsLoaded = sp;
        _sp = Legacy ? sp : sp.WithAddDummyPrefix(false);
        SentencePieceSize = sp.PieceSize;

        IEnumerable<AddedToken> added = config.AddedTokensDecoder?.Values ?? DefaultAddedTokens(sp, config);
        foreach (var token in added)
        {
            _addedById[token.Id] = token;
            _addedByContent[token.Content] = token;
        }
        EosToken = config.EosToken;
        PadToken = config.PadToken;
        UnkToken = config.UnkToken;
        EosId = TokenToId(EosToken, "eos_token", source);
        PadId = TokenToId(PadToken, "pad_token", source);
        UnkId = TokenToId(UnkToken, "unk_token", source);

        // HF all_special_tokens: eos, unk, pad and the additional special tokens (the sentinels).
        foreach (string t in new[] { EosToken, UnkToken, PadToken }) _specialTokens.Add(t);
        foreach (var t in _addedById.Values.Where(t => t.Special)) _specialTokens.Add(t.Content);
        foreach (string t in _specialTokens) _specialIds.Add(ConvertTokenToId(t));
        // HF _decode: added tokens that are not special, and additional special tokens (the sentinels) with ids >=
        // vocab_size (= the sentencepiece size), are emitted as their own sub-texts joined by spaces: "<extra_id_0> </s>".
        var coreSpecial = new HashSet<string>([EosToken, UnkToken, PadToken], StringComparer.Ordinal);
        foreach (var t in _addedById.Values)
        {
            bool additionalSpecial = _specialTokens.Contains(t.Content) && !coreSpecial.Contains(t.Content);
            if (!_specialTokens.Contains(t.Content) || (additionalSpecial && t.Id >= SentencePieceSize))
                _decodedApartTokens.Add(t.Content);
        }

        VocabSize = Math.Max(SentencePieceSize, _addedById.Count == 0 ? 0 : _addedById.Keys.Max() + 1);
        _splitter = new AddedTokenSplitter(_addedById.Values);
        _unkTokenLength = sp.WithAddDummyPrefix(false).EncodeIds(UnkToken).Length;
        _piecesCanBeAddedTokens = sp.Model.Pieces.Any(p =>
            p.Type is SentencePieceType.Normal or SentencePieceType.UserDefined or SentencePieceType.Unused
            && _addedByContent.ContainsKey(p.Text));
    }

    // T5Tokenizer.__init__ without added_tokens_decoder: pad/eos/unk plain, sentinels lstrip + rstrip.
    private static IEnumerable<AddedToken> DefaultAddedTokens(SentencePieceProcessor sp, T5TokenizerConfig config)
    {
        foreach (string t in new[] { config.PadToken, config.EosToken, config.UnkToken })
        {
            int id = sp.PieceToId(t);
            if (sp.IdToPiece(id) == t) yield return new AddedToken(t, id);
        }
        for (int n = 0; n < config.ExtraIds; n++)
            yield return new AddedToken($"<extra_id_{n}>", sp.PieceSize + config.ExtraIds - 1 - n, LStrip: true, RStrip: true);
    }

    /// <summary>
    /// Loads an HF tokenizer folder: <c>spiece.model</c> (required) and, when present, <c>tokenizer_config.json</c>
    /// (extra_ids, legacy, added tokens; defaults as <c>T5Tokenizer.__init__</c> otherwise: 100 sentinels,
    /// legacy = true) and <c>added_tokens.json</c> (checked against the ids used). A <c>tokenizer.json</c> is ignored.
    /// </summary>
    /// <param name="folder">The folder.</param>
    /// <param name="legacy">Overrides <c>legacy</c> from the config (null = use the config's value).</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder has no <c>spiece.model</c>.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt; the message names it.</exception>
    public static T5Tokenizer FromFolder(string folder, bool? legacy = null)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Tokenizer folder '{folder}' does not exist.");
        string model = Path.Combine(folder, "spiece.model");
        if (!File.Exists(model))
            throw new FileNotFoundException(
                $"Tokenizer folder '{folder}' has no spiece.model (a T5 tokenizer needs the SentencePiece model; tokenizer.json alone is not supported).", model);
        var config = T5TokenizerConfig.Read(folder);
        if (legacy is bool value) config = config with { Legacy = value };
        var tokenizer = new T5Tokenizer(SentencePieceProcessor.Load(model), config, model);
        tokenizer.CheckAddedTokensFile(Path.Combine(folder, "added_tokens.json"));
        return tokenizer;
    }

    /// <summary>A tokenizer from a bare <c>spiece.model</c> with <paramref name="extraIds"/> sentinels and HF defaults.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid SentencePiece model.</exception>
    public static T5Tokenizer FromSentencePieceModel(string spieceModelPath, int extraIds = 100, bool legacy = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(extraIds);
        var config = new T5TokenizerConfig { ExtraIds = extraIds, Legacy = legacy };
        return new T5Tokenizer(SentencePieceProcessor.Load(spieceModelPath), config, spieceModelPath);
    }

    /// <summary>The <c>spiece.model</c> file the tokenizer was loaded from (named in error messages).</summary>
    public string SourceFile { get; }

    /// <summary>HF <c>legacy</c> mode (true = T5's historical behaviour, the default).</summary>
    public bool Legacy { get; }

    /// <summary>HF <c>add_prefix_space</c> (used by non-legacy tokenization and by decoding).</summary>
    public bool AddPrefixSpace { get; }

    /// <summary>HF <c>clean_up_tokenization_spaces</c>, the default of <see cref="Decode"/>.</summary>
    public bool CleanUpTokenizationSpaces { get; }

    /// <summary>Id of <c>&lt;pad&gt;</c> (0 for T5; also the decoder start token).</summary>
    public int PadId { get; }

    /// <summary>Id of <c>&lt;/s&gt;</c> (1 for T5).</summary>
    public int EosId { get; }

    /// <summary>Id of <c>&lt;unk&gt;</c> (2 for T5).</summary>
    public int UnkId { get; }

    /// <summary>The pad token text.</summary>
    public string PadToken { get; }

    /// <summary>The eos token text.</summary>
    public string EosToken { get; }

    /// <summary>The unk token text.</summary>
    public string UnkToken { get; }

    /// <summary>Total vocabulary = <c>len(tokenizer)</c>: SentencePiece pieces plus sentinels (e.g. 1000 + 100 = 1100).</summary>
    public int VocabSize { get; }

    /// <summary>Number of SentencePiece pieces (HF <c>vocab_size</c>).</summary>
    public int SentencePieceSize { get; }

    /// <summary>Number of sentinel tokens <c>&lt;extra_id_N&gt;</c>.</summary>
    public int ExtraIds { get; }

    /// <summary>The underlying SentencePiece processor, as loaded from spiece.model.</summary>
    public SentencePieceProcessor SentencePiece => _spAsLoaded;

    /// <summary>
    /// Id of sentinel <c>&lt;extra_id_n&gt;</c>: the added token's id, which for T5 folders is
    /// <see cref="VocabSize"/> − 1 − n (the first sentinel is the last id).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">n is outside [0, <see cref="ExtraIds"/>) or the folder does not define that sentinel.</exception>
    public int SentinelId(int n)
    {
        if ((uint)n >= (uint)ExtraIds || !_addedByContent.TryGetValue($"<extra_id_{n}>", out var sentinel))
            throw new ArgumentOutOfRangeException(nameof(n), n, $"Sentinel index must be in [0, {ExtraIds}).");
        return sentinel.Id;
    }

    /// <summary>Plain SentencePiece <c>encode(text)</c>: no eos, "&lt;/s&gt;" in the text is just characters.</summary>
    public int[] EncodeSentencePiece(string text) => _spAsLoaded.EncodeIds(text);

    /// <summary>Plain SentencePiece <c>encode(text, out_type=str)</c>.</summary>
    public string[] EncodeSentencePiecePieces(string text) => _spAsLoaded.EncodePieces(text);

    /// <summary>Plain SentencePiece <c>decode(ids)</c> (an unknown piece renders as " ⁇ ").</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is not a SentencePiece id (sentinels are not).</exception>
    public string DecodeSentencePiece(IEnumerable<int> ids) => _spAsLoaded.DecodeIds(ids);

    /// <summary>HF <c>tokenize(text)</c>: SentencePiece pieces with added tokens kept whole.</summary>
    public string[] Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Legacy || text.Length == 0) return TokenizeWithAddedTokens(text).ToArray();

        // Non-legacy (tokenization_t5.py T5Tokenizer.tokenize): "▁" counts as a space; add the prefix ourselves.
        text = text.Replace(SpaceSymbol, " ", StringComparison.Ordinal);
        if (AddPrefixSpace) text = SpaceSymbol + text;
        var tokens = TokenizeWithAddedTokens(text);
        if (tokens.Count > 1 && tokens[0] == SpaceSymbol && _specialTokens.Contains(tokens[1])) tokens.RemoveAt(0);
        return tokens.ToArray();
    }

    /// <summary>HF <c>tokenizer(text).input_ids</c>; with <paramref name="addEos"/> eos is appended unless the ids already end with it.</summary>
    public int[] Encode(string text, bool addEos = true)
    {
        var ids = EncodeWithoutEos(text);
        if (addEos) AddEosIfNotPresent(ids);
        return ids.ToArray();
    }

    /// <summary>
    /// HF <c>tokenizer(texts, padding=True[, truncation=True, max_length=m])</c>: each row as <see cref="Encode"/>;
    /// with <paramref name="maxLength"/> the ids are cut to m − 1 before eos is appended, so a row holds at most m
    /// tokens and still ends with eos; rows are right-padded with pad to the longest row.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is below 2 (HF cannot truncate to that).</exception>
    public TokenizedBatch EncodeBatch(IReadOnlyList<string> texts, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (maxLength is < 2)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "maxLength must be at least 2 (one token plus eos).");
        var rows = new List<List<int>>(texts.Count);
        foreach (string text in texts)
        {
            var ids = EncodeWithoutEos(text);
            // prepare_for_model: truncate so that ids + the one special token fit, then add eos.
            if (maxLength is int m && ids.Count + 1 > m) ids.RemoveRange(m - 1, ids.Count - (m - 1));
            AddEosIfNotPresent(ids);
            rows.Add(ids);
        }
        int length = rows.Count == 0 ? 0 : rows.Max(r => r.Count);
        var inputIds = new long[rows.Count * length];
        var mask = new long[rows.Count * length];
        for (int b = 0; b < rows.Count; b++)
        {
            for (int t = 0; t < length; t++)
            {
                bool real = t < rows[b].Count;
                inputIds[b * length + t] = real ? rows[b][t] : PadId;
                mask[b * length + t] = real ? 1 : 0;
            }
        }
        return new TokenizedBatch(rows.Count, length, inputIds, mask);
    }

    /// <summary>
    /// HF <c>decode(ids, skip_special_tokens, clean_up_tokenization_spaces)</c> (PreTrainedTokenizer._decode with
    /// T5Tokenizer.convert_tokens_to_string): sentinels become separate sub-texts joined by spaces; within a sub-text
    /// special tokens are written literally with a space before them when a piece run precedes, the runs between them
    /// go through SentencePiece decode, the result is stripped; then the cleanup ("end ." → "end.").
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, <see cref="VocabSize"/>).</exception>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false, bool? cleanUpTokenizationSpaces = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var subTexts = new List<string>();
        var current = new List<string>();
        foreach (int id in ids)
        {
            if (skipSpecialTokens && _specialIds.Contains(id)) continue;
            string token = ConvertIdToToken(id);
            if (_decodedApartTokens.Contains(token))
            {
                if (current.Count > 0)
                {
                    string s = ConvertTokensToString(current);
                    if (s.Length > 0) subTexts.Add(s);
                    current.Clear();
                }
                subTexts.Add(token);
            }
            else
            {
                current.Add(token);
            }
        }
        if (current.Count > 0) subTexts.Add(ConvertTokensToString(current));
        string text = string.Join(" ", subTexts);
        return cleanUpTokenizationSpaces ?? CleanUpTokenizationSpaces ? TokenizationSpaceCleanup.Apply(text) : text;
    }

    /// <summary>
    /// Whether <paramref name="id"/> is a token of this tokenizer (a SentencePiece id or an added token's id), i.e.
    /// whether <see cref="Decode"/> accepts it. A model's vocabulary may be larger than its tokenizer's (t5-base: 32,128
    /// embedding rows for 32,100 ids), so a generated id is not always one.
    /// </summary>
    public bool IsKnownId(int id) => (uint)id < (uint)SentencePieceSize || _addedById.ContainsKey(id);

    /// <summary>HF <c>convert_ids_to_tokens</c> for one id.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside [0, <see cref="VocabSize"/>).</exception>
    public string ConvertIdToToken(int id)
    {
        if (_addedById.TryGetValue(id, out var added)) return added.Content;
        if ((uint)id >= (uint)SentencePieceSize)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id {id} is outside the vocabulary [0, {VocabSize}).");
        return _sp.IdToPiece(id);
    }

    /// <summary>HF <c>convert_tokens_to_ids</c> for one token: an added token's id, else the piece id (unk if none).</summary>
    public int ConvertTokenToId(string token) =>
        _addedByContent.TryGetValue(token, out var added) ? added.Id : _sp.PieceToId(token);

    private List<int> ConvertTokensToIds(IEnumerable<string> tokens) => tokens.Select(ConvertTokenToId).ToList();

    // convert_tokens_to_ids(tokenize(text)). In legacy mode the SentencePiece ids of each chunk are used directly
    // (3x faster than going through piece strings); that equals HF's piece -> id lookup unless a piece's text is also an
    // added token (checked once at load) or a merged unknown piece is (checked when a chunk yields unk).
    private List<int> EncodeWithoutEos(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!Legacy || _piecesCanBeAddedTokens) return ConvertTokensToIds(Tokenize(text));
        var ids = new List<int>();
        foreach (var chunk in _splitter.Split(text))
        {
            if (chunk.Token is not null)
            {
                ids.Add(chunk.Token.Id);
                continue;
            }
            int[] chunkIds = _sp.EncodeIds(chunk.Text);
            if (Array.IndexOf(chunkIds, _sp.UnknownId) >= 0) ids.AddRange(ConvertTokensToIds(_sp.EncodePieces(chunk.Text)));
            else ids.AddRange(chunkIds);
        }
        return ids;
    }

    private void AddEosIfNotPresent(List<int> ids)
    {
        // T5Tokenizer._add_eos_if_not_present: "</s>" typed at the end of the text is not doubled.
        if (ids.Count == 0 || ids[^1] != EosId) ids.Add(EosId);
    }

    // PreTrainedTokenizer.tokenize: split on added tokens, SentencePiece for the chunks between them.
    private List<string> TokenizeWithAddedTokens(string text)
    {
        var tokens = new List<string>();
        foreach (var chunk in _splitter.Split(text))
        {
            if (chunk.Token is not null) tokens.Add(chunk.Token.Content);
            else tokens.AddRange(TokenizeChunk(chunk.Text));
        }
        return tokens;
    }

    // T5Tokenizer._tokenize.
    private string[] TokenizeChunk(string text)
    {
        string[] pieces = _sp.EncodePieces(text);
        if (Legacy || !(text.StartsWith(SpaceSymbol, StringComparison.Ordinal) || text.StartsWith(' '))) return pieces;
        // Non-legacy: without the dummy prefix SentencePiece would drop the leading space; encode "<unk>" + text and
        // cut the pieces of "<unk>" so the first word keeps its "▁".
        pieces = _sp.EncodePieces(UnkToken + text);
        return pieces.Length >= _unkTokenLength ? pieces[_unkTokenLength..] : pieces;
    }

    // T5Tokenizer.convert_tokens_to_string.
    private string ConvertTokensToString(List<string> tokens)
    {
        var copy = new List<string>(tokens);
        if (copy[0].StartsWith(SpaceSymbol, StringComparison.Ordinal) && AddPrefixSpace) copy[0] = copy[0][1..];
        var output = new StringBuilder();
        var run = new List<string>();
        bool previousSpecial = false;
        foreach (string token in copy)
        {
            if (_specialTokens.Contains(token))
            {
                if (!previousSpecial) output.Append(' ');
                output.Append(_sp.DecodePieces(run)).Append(token);
                previousSpecial = true;
                run.Clear();
            }
            else
            {
                run.Add(token);
                previousSpecial = false;
            }
        }
        output.Append(_sp.DecodePieces(run));
        return PythonWhitespace.Strip(output.ToString());
    }

    private int TokenToId(string token, string field, string source)
    {
        if (_addedByContent.TryGetValue(token, out var added)) return added.Id;
        throw new InvalidDataException($"{source}: {field} '{token}' is neither a piece of the model nor an added token.");
    }

    private void CheckAddedTokensFile(string path)
    {
        if (!File.Exists(path)) return;
        Dictionary<string, int>? entries;
        try
        {
            entries = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid added_tokens.json ({UntrustedJson.Describe(e)}).", e);
        }
        foreach (var (content, id) in entries ?? [])
        {
            if (!_addedByContent.TryGetValue(content, out var token) || token.Id != id)
                throw new InvalidDataException(
                    $"{path}: '{content}' has id {id}, but the tokenizer gives it {(token is null ? "no added-token id" : token.Id.ToString())}.");
        }
    }
}
