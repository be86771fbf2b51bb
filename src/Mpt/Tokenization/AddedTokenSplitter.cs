namespace Mpt.Tokenization;

/// <summary>
/// Splits text on added tokens the way HF's slow <c>PreTrainedTokenizer.tokenize</c> does (transformers 4.40,
/// tokenization_utils.py): <c>Trie.split</c> cuts at the leftmost, longest match of any added token; then each
/// matched token with <c>rstrip</c> strips (Python whitespace) the start of the next chunk and with <c>lstrip</c> the
/// end of the previous one; chunks that become empty are dropped.
/// </summary>
internal sealed class AddedTokenSplitter
{
    private readonly Dictionary<string, AddedToken> _byContent;
    private readonly Dictionary<char, List<string>> _byFirstChar = new();
    private readonly System.Buffers.SearchValues<char> _firstChars;

    /// <summary>Builds the splitter over <paramref name="tokens"/>.</summary>
    public AddedTokenSplitter(IEnumerable<AddedToken> tokens)
    {
        _byContent = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        foreach (var token in tokens)
        {
            if (token.Content.Length == 0) continue;
            _byContent[token.Content] = token;
        }
        foreach (string content in _byContent.Keys)
        {
            if (!_byFirstChar.TryGetValue(content[0], out var list)) _byFirstChar[content[0]] = list = [];
            list.Add(content);
        }
        foreach (var list in _byFirstChar.Values) list.Sort((a, b) => b.Length.CompareTo(a.Length)); // longest first
        _firstChars = System.Buffers.SearchValues.Create(_byFirstChar.Keys.ToArray());
    }

    /// <summary>A chunk of text: either an added token or plain text for SentencePiece.</summary>
    public readonly record struct Chunk(string Text, AddedToken? Token);

    /// <summary>Splits <paramref name="text"/> into chunks (never empty ones).</summary>
    public List<Chunk> Split(string text)
    {
        // 1. Leftmost-longest cut (HF Trie.split + cut_text: no zero-width chunks).
        var chunks = new List<Chunk>();
        int plainStart = 0, i = 0;
        while (i < text.Length)
        {
            // Jump to the next character that can start an added token (T5: only '<').
            int next = text.AsSpan(i).IndexOfAny(_firstChars);
            if (next < 0) break;
            i += next;
            AddedToken? match = null;
            if (_byFirstChar.TryGetValue(text[i], out var candidates))
            {
                foreach (string content in candidates)
                {
                    if (text.AsSpan(i).StartsWith(content, StringComparison.Ordinal))
                    {
                        match = _byContent[content];
                        break;
                    }
                }
            }
            if (match is null)
            {
                i++;
                continue;
            }
            if (i > plainStart) chunks.Add(new Chunk(text[plainStart..i], null));
            chunks.Add(new Chunk(match.Content, match));
            i += match.Content.Length;
            plainStart = i;
        }
        if (plainStart < text.Length) chunks.Add(new Chunk(text[plainStart..], null));

        if (chunks.Count == 1 && chunks[0].Token is null) return chunks;

        // 2. Whitespace absorption around tokens, in order, exactly as tokenize() mutates its list.
        var texts = chunks.Select(c => c.Text).ToArray();
        for (int k = 0; k < chunks.Count; k++)
        {
            // HF tests the list entry as it is now (an earlier single_word glue may have emptied it).
            if (!_byContent.TryGetValue(texts[k], out var token)) continue;
            string? left = k > 0 ? texts[k - 1] : null;
            string? right = k < chunks.Count - 1 ? texts[k + 1] : null;
            if (token.RStrip && !string.IsNullOrEmpty(right)) texts[k + 1] = PythonWhitespace.LStrip(right);
            if (token.LStrip && !string.IsNullOrEmpty(left)) texts[k - 1] = PythonWhitespace.RStrip(left);
            if (token.SingleWord && !string.IsNullOrEmpty(left) && left[^1] != ' ')
            {
                texts[k - 1] += texts[k];
                texts[k] = "";
            }
            else if (token.SingleWord && !string.IsNullOrEmpty(right) && right[0] != ' ')
            {
                texts[k] += texts[k + 1];
                texts[k + 1] = "";
            }
        }

        // 3. A chunk stays a token only while its text is still exactly the token (HF: `token in no_split_token`).
        var result = new List<Chunk>(chunks.Count);
        foreach (string t in texts)
        {
            if (t.Length == 0) continue;
            result.Add(new Chunk(t, _byContent.GetValueOrDefault(t)));
        }
        return result;
    }
}
