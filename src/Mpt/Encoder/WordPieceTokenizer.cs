using System.Buffers;
using System.Text;

namespace Mpt.Encoder;

/// <summary>
/// BERT WordPiece tokenization as Hugging Face's slow <c>BertTokenizer</c> (transformers v4.40) does it, from a
/// <c>vocab.txt</c> (one token per line, id = line number) and the <see cref="BertTokenizerSettings"/>:
/// <list type="number">
/// <item>with <c>do_lower_case</c>, every character outside the special tokens is lower-cased (Python <c>str.lower</c>);</item>
/// <item>special and added tokens written in the text (exact case, e.g. <c>[MASK]</c>) are matched whole and keep their id;</item>
/// <item>the text between them goes through <see cref="BertBasicTokenizer"/> (clean, CJK, whitespace, lower-case,
/// accents, punctuation);</item>
/// <item>each word becomes WordPiece pieces: greedy longest match from the left, continuation pieces prefixed with
/// <c>##</c>; a word with an unmatched position, or longer than 100 characters, is one <c>[UNK]</c>;</item>
/// <item><see cref="Encode"/> adds <c>[CLS] a [SEP]</c> (pairs <c>[CLS] a [SEP] b [SEP]</c>) with token types.</item>
/// </list>
/// Special token ids are read from the vocabulary, never assumed.
/// </summary>
public sealed class WordPieceTokenizer : IEncoderTokenizer
{
    /// <summary>HF <c>WordpieceTokenizer.max_input_chars_per_word</c>: longer words are <c>[UNK]</c>.</summary>
    public const int MaxCharsPerWord = 100;

    private readonly Dictionary<string, int> _vocabulary;
    private readonly string[] _tokens;
    private readonly BertBasicTokenizer _basic;
    private readonly HashSet<string> _neverSplit;
    private readonly string[] _wholeTokens; // special + added tokens, matched whole in the text, longest first
    private readonly Dictionary<string, int> _wholeTokenIds;
    private readonly string[] _specialTokens;
    private readonly SearchValues<char> _tokenStarts; // first characters of the special and added tokens

    private WordPieceTokenizer(Dictionary<string, int> vocabulary, string[] tokens, BertTokenizerSettings settings, string vocabPath, string settingsSource)
    {
        _vocabulary = vocabulary;
        _tokens = tokens;
        Settings = settings;
        _neverSplit = new HashSet<string>(settings.NeverSplit, StringComparer.Ordinal);
        _basic = new BertBasicTokenizer(settings.DoLowerCase, settings.StripAccents, settings.TokenizeChineseChars, _neverSplit);
        int Required(string token, string key) => vocabulary.TryGetValue(token, out int id) ? id
            : throw new InvalidDataException($"{vocabPath}: the {key} '{token}' is not in the vocabulary; BERT tokenization needs it.");
        UnkTokenId = Required(settings.UnkToken, "unk_token");
        SepTokenId = Required(settings.SepToken, "sep_token");
        PadTokenId = Required(settings.PadToken, "pad_token");
        ClsTokenId = Required(settings.ClsToken, "cls_token");
        MaskTokenId = Required(settings.MaskToken, "mask_token");
        _wholeTokenIds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string special in settings.SpecialTokens) _wholeTokenIds[special] = vocabulary[special];
        foreach (var (token, id) in settings.AddedTokens)
        {
            // Tokens beyond vocab.txt would get ids the model's embedding table may not have; HF folders of BERT
            // models list only vocabulary tokens here.
            if (!vocabulary.TryGetValue(token, out int vocabId) || vocabId != id)
                throw new InvalidDataException(
                    $"{settingsSource}: added token '{token}' has id {id}, but {vocabPath} has it {(vocabulary.ContainsKey(token) ? $"at line {vocabulary[token]}" : "on no line")}; added tokens beyond vocab.txt are not supported.");
            _wholeTokenIds[token] = id;
        }
        _wholeTokens = _wholeTokenIds.Keys.Where(t => t.Length > 0).OrderByDescending(t => t.Length).ThenBy(t => t, StringComparer.Ordinal).ToArray();
        _specialTokens = settings.SpecialTokens.Where(t => t.Length > 0).ToArray();
        _tokenStarts = SearchValues.Create(_wholeTokens.Select(t => t[0]).Concat(_specialTokens.Select(t => t[0])).Distinct().ToArray());
    }

    /// <summary>
    /// Loads a WordPiece vocabulary with HF's default settings (uncased BERT: lower-case, strip accents, split CJK,
    /// special tokens <c>[UNK] [SEP] [PAD] [CLS] [MASK]</c>), e.g. <see cref="MiniLMFiles.VocabPath"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not UTF-8 or lacks a special token.</exception>
    public static WordPieceTokenizer FromVocabFile(string vocabPath, BertTokenizerSettings? settings = null)
    {
        var (vocabulary, tokens) = ReadVocabulary(vocabPath);
        return new WordPieceTokenizer(vocabulary, tokens, settings ?? new BertTokenizerSettings(), vocabPath, "the tokenizer settings");
    }

    /// <summary>
    /// Loads the tokenizer of a Hugging Face BERT folder: <c>vocab.txt</c> (required) with the settings of its
    /// <c>tokenizer_config.json</c> / <c>special_tokens_map.json</c> (<see cref="BertTokenizerSettings.FromHfFolder"/>).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder has no vocab.txt.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or a special token is not in the vocabulary.</exception>
    public static WordPieceTokenizer FromHfFolder(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{folder}: tokenizer folder not found.");
        string vocabPath = Path.Combine(folder, "vocab.txt");
        if (!File.Exists(vocabPath))
            throw new FileNotFoundException($"{vocabPath}: not found; a BERT folder needs its WordPiece vocabulary (vocab.txt, one token per line).", vocabPath);
        var (vocabulary, tokens) = ReadVocabulary(vocabPath);
        return new WordPieceTokenizer(vocabulary, tokens, BertTokenizerSettings.FromHfFolder(folder), vocabPath,
            $"{Path.Combine(folder, "tokenizer_config.json")} (added_tokens_decoder) or added_tokens.json");
    }

    /// <summary>
    /// HF <c>load_vocab</c>: the file read as UTF-8 (a byte-order mark is part of the first token, as in Python), split
    /// into lines at \n, \r or \r\n; id = line number; a token on two lines keeps the later id.
    /// </summary>
    private static (Dictionary<string, int> Vocabulary, string[] Tokens) ReadVocabulary(string vocabPath)
    {
        if (!File.Exists(vocabPath)) throw new FileNotFoundException($"{vocabPath}: WordPiece vocabulary not found.", vocabPath);
        string text;
        try { text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(File.ReadAllBytes(vocabPath)); }
        catch (DecoderFallbackException e) { throw new InvalidDataException($"{vocabPath}: not valid UTF-8 ({e.Message}).", e); }
        var tokens = new List<string>();
        using (var reader = new StringReader(text))
            while (reader.ReadLine() is { } line) tokens.Add(line);
        if (tokens.Count == 0) throw new InvalidDataException($"{vocabPath}: the vocabulary is empty.");
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < tokens.Count; id++) vocabulary[tokens[id]] = id;
        return (vocabulary, tokens.ToArray());
    }

    /// <summary>The settings the tokenizer was built with.</summary>
    public BertTokenizerSettings Settings { get; }

    /// <inheritdoc/>
    public long PadTokenId { get; }

    /// <summary>Id of the classification token (<c>[CLS]</c>).</summary>
    public long ClsTokenId { get; }

    /// <summary>Id of the separator token (<c>[SEP]</c>).</summary>
    public long SepTokenId { get; }

    /// <summary>Id of the unknown-word token (<c>[UNK]</c>).</summary>
    public long UnkTokenId { get; }

    /// <summary>Id of the mask token (<c>[MASK]</c>).</summary>
    public long MaskTokenId { get; }

    /// <summary>Number of lines of vocab.txt: every id is below it.</summary>
    public int VocabularySize => _tokens.Length;

    /// <summary>
    /// The first id whose token is a whole word of two or more characters — not a special or <c>[unusedN]</c> token, a
    /// single character or a <c>##</c> continuation; 0 when there is none. BERT vocabularies put the reserved rows and
    /// the characters first and whole words after them, roughly most frequent first, so this is where a prompt
    /// initialised from vocabulary embeddings should start sampling (1996, "the", in the bert-base-uncased vocabulary
    /// of all-MiniLM-L6-v2: <see cref="EncoderPromptOptions.VocabularyInitFirstId"/>'s default).
    /// </summary>
    public int FirstWordId
    {
        get
        {
            for (int id = 0; id < _tokens.Length; id++)
            {
                string token = _tokens[id];
                bool reserved = token.StartsWith('[') && token.EndsWith(']');
                if (!reserved && !token.StartsWith("##", StringComparison.Ordinal) && token.EnumerateRunes().Skip(1).Any()) return id;
            }
            return 0;
        }
    }

    /// <summary>The token of an id (its vocab.txt line).</summary>
    public string TokenOf(long id) => id >= 0 && id < _tokens.Length ? _tokens[id]
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"id outside the vocabulary [0, {_tokens.Length - 1}].");

    /// <summary>WordPiece ids of <paramref name="text"/> without special tokens around it or truncation.</summary>
    public IReadOnlyList<int> Tokenize(string text) => Pieces(text).Select(p => p.Id).ToList();

    /// <summary>The token strings of <paramref name="text"/> (HF <c>tokenize</c>): pieces, <c>##</c> continuations, special tokens.</summary>
    public IReadOnlyList<string> TokenStrings(string text) => Pieces(text).Select(p => p.Token).ToList();

    private List<(string Token, int Id)> Pieces(string text)
    {
        var pieces = new List<(string, int)>();
        string prepared = Settings.DoLowerCase ? LowerOutsideSpecialTokens(text) : text;
        int chunkStart = 0, i = 0;
        while (i < prepared.Length)
        {
            string? whole = WholeTokenAt(prepared, i);
            if (whole is null) { i++; continue; }
            WordPieces(prepared[chunkStart..i], pieces);
            pieces.Add((whole, _wholeTokenIds[whole]));
            i += whole.Length;
            chunkStart = i;
        }
        WordPieces(prepared[chunkStart..], pieces);
        return pieces;
    }

    /// <summary>
    /// HF <c>PreTrainedTokenizer.tokenize</c> with <c>do_lower_case</c>: special tokens are copied, every other
    /// character is lower-cased on its own, before special and added tokens are looked for.
    /// </summary>
    private string LowerOutsideSpecialTokens(string text)
    {
        var result = new StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            string? special = _tokenStarts.Contains(text[i])
                ? _specialTokens.FirstOrDefault(s => string.CompareOrdinal(text, i, s, 0, s.Length) == 0)
                : null;
            if (special is not null)
            {
                result.Append(special);
                i += special.Length;
                continue;
            }
            if (char.IsAscii(text[i]))
            {
                result.Append(char.ToLowerInvariant(text[i++]));
                continue;
            }
            int length = char.IsSurrogatePair(text, i) ? 2 : 1;
            result.Append(BertBasicTokenizer.Lower(text.Substring(i, length)));
            i += length;
        }
        return result.ToString();
    }

    private string? WholeTokenAt(string text, int index)
    {
        if (!_tokenStarts.Contains(text[index])) return null;
        foreach (string token in _wholeTokens)
            if (string.CompareOrdinal(text, index, token, 0, token.Length) == 0) return token;
        return null;
    }

    /// <summary>HF <c>BertTokenizer._tokenize</c> on the text between special tokens.</summary>
    private void WordPieces(string chunk, List<(string, int)> output)
    {
        if (chunk.Length == 0) return;
        foreach (string word in _basic.Split(chunk))
        {
            if (_neverSplit.Contains(word)) output.Add((word, _vocabulary.GetValueOrDefault(word, (int)UnkTokenId)));
            else GreedyLongestMatch(word, output);
        }
    }

    /// <summary>HF <c>WordpieceTokenizer.tokenize</c> of one word (lengths counted in code points, as Python does).</summary>
    private void GreedyLongestMatch(string word, List<(string, int)> output)
    {
        // Boundaries between code points, so no piece splits a surrogate pair.
        var bounds = new List<int> { 0 };
        foreach (var rune in word.EnumerateRunes()) bounds.Add(bounds[^1] + rune.Utf16SequenceLength);
        string unk = Settings.UnkToken;
        if (bounds.Count - 1 > MaxCharsPerWord) { output.Add((unk, (int)UnkTokenId)); return; }
        var pieces = new List<(string, int)>();
        int start = 0;
        while (start < bounds.Count - 1)
        {
            (string, int)? match = null;
            for (int end = bounds.Count - 1; end > start; end--)
            {
                string piece = word[bounds[start]..bounds[end]];
                if (start > 0) piece = "##" + piece;
                if (_vocabulary.TryGetValue(piece, out int id)) { match = (piece, id); start = end; break; }
            }
            if (match is null) { output.Add((unk, (int)UnkTokenId)); return; } // the whole word is unknown
            pieces.Add(match.Value);
        }
        output.AddRange(pieces);
    }

    /// <inheritdoc/>
    public EncoderInput Encode(string text, string? textPair = null, int maxLength = 512)
    {
        int specials = textPair is null ? 2 : 3;
        if (maxLength < specials)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, $"maxLength must leave room for the {specials} special tokens.");
        var first = Tokenize(text);
        var second = textPair is null ? [] : Tokenize(textPair);

        // HF truncation_strategy "longest_first": drop one token at a time from the longer text; on a tie from the second.
        int keepFirst = first.Count, keepSecond = second.Count;
        while (keepFirst + keepSecond > maxLength - specials)
        {
            if (keepFirst > keepSecond) keepFirst--;
            else keepSecond--;
        }

        var ids = new List<long>(keepFirst + keepSecond + specials) { ClsTokenId };
        for (int i = 0; i < keepFirst; i++) ids.Add(first[i]);
        ids.Add(SepTokenId);
        var types = Enumerable.Repeat(0L, ids.Count).ToList();
        if (textPair is not null)
        {
            for (int i = 0; i < keepSecond; i++) ids.Add(second[i]);
            ids.Add(SepTokenId);
            types.AddRange(Enumerable.Repeat(1L, keepSecond + 1));
        }
        return new EncoderInput(ids, types);
    }
}
