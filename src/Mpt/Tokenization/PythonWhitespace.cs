namespace Mpt.Tokenization;

/// <summary>
/// Python's <c>str.isspace</c> / <c>str.strip()</c> whitespace set, which HF's slow tokenizers use to strip around
/// added tokens and to trim decoded text. It differs from <see cref="char.IsWhiteSpace(char)"/>: it includes
/// U+001C..U+001F (information separators).
/// </summary>
internal static class PythonWhitespace
{
    /// <summary>True when Python's <c>str.isspace()</c> is true for this character.</summary>
    public static bool IsSpace(char c) => c switch
    {
        >= '\u0009' and <= '\u000D' => true,
        >= '\u001C' and <= '\u0020' => true,
        '\u0085' or '\u00A0' or '\u1680' => true,
        >= '\u2000' and <= '\u200A' => true,
        '\u2028' or '\u2029' or '\u202F' or '\u205F' or '\u3000' => true,
        _ => false,
    };

    /// <summary>Python <c>s.strip()</c>.</summary>
    public static string Strip(string s) => RStrip(LStrip(s));

    /// <summary>Python <c>s.lstrip()</c>.</summary>
    public static string LStrip(string s)
    {
        int i = 0;
        while (i < s.Length && IsSpace(s[i])) i++;
        return s[i..];
    }

    /// <summary>Python <c>s.rstrip()</c>.</summary>
    public static string RStrip(string s)
    {
        int end = s.Length;
        while (end > 0 && IsSpace(s[end - 1])) end--;
        return s[..end];
    }
}
