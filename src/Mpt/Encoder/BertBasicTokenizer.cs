using System.Globalization;
using System.Text;

namespace Mpt.Encoder;

/// <summary>
/// The text rules of Hugging Face's slow <c>BertTokenizer</c> (transformers v4.40, tokenization_bert.py) before
/// WordPiece: the per-character lower-casing its base class applies to everything but special tokens, and
/// <c>BasicTokenizer</c>: clean, space out CJK ideographs, NFC, split on whitespace, lower-case and strip accents, split off
/// punctuation. Character classes follow Python's <c>unicodedata</c> categories, read here from .NET's Unicode tables.
/// </summary>
internal sealed class BertBasicTokenizer(bool doLowerCase, bool? stripAccents, bool tokenizeChineseChars, IReadOnlySet<string> neverSplit)
{
    private readonly bool _stripAccents = stripAccents ?? doLowerCase; // HF: strip when lower-casing unless strip_accents is False

    /// <summary>The words and punctuation marks of <paramref name="text"/> (HF <c>BasicTokenizer.tokenize</c>).</summary>
    public List<string> Split(string text)
    {
        var cleaned = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            // _clean_text: drop NUL, U+FFFD and control characters; whitespace becomes a plain space.
            if (rune.Value is 0 or 0xFFFD || IsControl(rune)) continue;
            if (IsWhitespace(rune)) { cleaned.Append(' '); continue; }
            // _tokenize_chinese_chars: every CJK ideograph becomes a word of its own.
            if (tokenizeChineseChars && IsChineseChar(rune.Value)) cleaned.Append(' ').Append(rune.ToString()).Append(' ');
            else cleaned.Append(rune.ToString());
        }
        var words = new List<string>();
        foreach (string original in SplitOnPythonWhitespace(UnicodeNormalization.Nfc(cleaned.ToString())))
        {
            string word = original;
            if (!neverSplit.Contains(word))
            {
                if (doLowerCase) word = Lower(word);
                if (_stripAccents) word = AccentStripper.Strip(word);
            }
            SplitOnPunctuation(word, words);
        }
        // HF re-splits the joined pieces on whitespace, which drops the empty words accent stripping may leave.
        return words.Where(w => w.Length > 0).ToList();
    }

    /// <summary>
    /// Python's <c>str.lower()</c> applied character by character, as HF's <c>tokenize</c> does to non-special text when
    /// <c>do_lower_case</c> (one regex match per character, so Greek final-sigma context never applies). .NET's
    /// invariant simple mapping agrees with Python except for U+0130 (İ), whose full lower-case form is "i̇".
    /// </summary>
    public static string Lower(string text)
    {
        if (Ascii.IsValid(text)) return text.ToLowerInvariant();
        var result = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value == 0x130) result.Append("i\u0307");
            else result.Append(Rune.ToLowerInvariant(rune).ToString());
        }
        return result.ToString();
    }

    /// <summary>
    /// Python <c>str.split()</c> with no separator: runs of whitespace (<c>str.isspace</c>) separate words, and leading
    /// or trailing whitespace gives no empty word.
    /// </summary>
    public static IEnumerable<string> SplitOnPythonWhitespace(string text)
    {
        int start = -1, i = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsPythonSpace(rune.Value))
            {
                if (start >= 0) yield return text[start..i];
                start = -1;
            }
            else if (start < 0) start = i;
            i += rune.Utf16SequenceLength;
        }
        if (start >= 0) yield return text[start..];
    }

    /// <summary>Python's <c>str.isspace</c>: Unicode category Zs or bidirectional class WS, B or S.</summary>
    public static bool IsPythonSpace(int c) =>
        c is (>= 0x09 and <= 0x0D) or (>= 0x1C and <= 0x20) or 0x85 or 0xA0 or 0x1680 or (>= 0x2000 and <= 0x200A)
            or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000;

    /// <summary>HF <c>_run_split_on_punc</c>: each punctuation character becomes a word; words in never_split stay whole.</summary>
    private void SplitOnPunctuation(string word, List<string> output)
    {
        if (neverSplit.Contains(word)) { output.Add(word); return; }
        var current = new StringBuilder();
        foreach (var rune in word.EnumerateRunes())
        {
            if (IsPunctuation(rune))
            {
                if (current.Length > 0) { output.Add(current.ToString()); current.Clear(); }
                output.Add(rune.ToString());
            }
            else current.Append(rune.ToString());
        }
        if (current.Length > 0) output.Add(current.ToString());
    }

    /// <summary>HF <c>_is_whitespace</c>: space, tab, newline, carriage return, or category Zs.</summary>
    private static bool IsWhitespace(Rune rune) =>
        rune.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator;

    /// <summary>HF <c>_is_control</c>: any category C* (Cc, Cf, Cs, Co, Cn) except tab, newline and carriage return.</summary>
    private static bool IsControl(Rune rune)
    {
        if (rune.Value is '\t' or '\n' or '\r') return false;
        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    /// <summary>
    /// HF <c>_is_punctuation</c>: the ASCII non-alphanumeric printable characters (so $, +, ^, ` count although
    /// Unicode calls them symbols) and every category P*.
    /// </summary>
    private static bool IsPunctuation(Rune rune)
    {
        int c = rune.Value;
        if (c is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126)) return true;
        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>HF <c>_is_chinese_char</c>: the CJK Unified Ideographs blocks and their compatibility blocks.</summary>
    private static bool IsChineseChar(int c) =>
        c is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);
}
