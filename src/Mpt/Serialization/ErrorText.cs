namespace Mpt.Serialization;

/// <summary>
/// Error messages built from untrusted input: one line, bounded length. A parser's exception message may quote the
/// offending text (System.Text.Json quotes the rest of a line after a bad literal, a CSV header cell may hold a quoted
/// line break), and a rejection must stay the one-line error naming the file that docs/reliability.md promises.
/// </summary>
internal static class ErrorText
{
    /// <summary>Longest message kept; beyond it the text is cut with an ellipsis.</summary>
    public const int MaxLength = 500;

    /// <summary><paramref name="text"/> with line ends shown as <c>\n</c> and cut to <see cref="MaxLength"/> characters.</summary>
    public static string OneLine(string text)
    {
        string line = text.Replace("\r\n", "\\n", StringComparison.Ordinal).Replace('\r', ' ').Replace("\n", "\\n", StringComparison.Ordinal)
            .Replace('\u2028', ' ').Replace('\u2029', ' ').Replace('\u0085', ' ');
        return line.Length <= MaxLength ? line : line[..MaxLength] + "...";
    }
}
