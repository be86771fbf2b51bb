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

    /// <summary>
    /// Runs a parser and keeps its rejections on one line: an <see cref="InvalidDataException"/>,
    /// <see cref="FormatException"/> or <see cref="NotSupportedException"/> whose message spans lines (it quotes a value
    /// of the file that holds an escaped line break, e.g. a tensor name or a field type) is rethrown as the same type
    /// with the message passed through <see cref="OneLine"/>. One wrap at the parser's entry covers every message inside.
    /// </summary>
    public static T OneLineRejections<T>(Func<T> parse)
    {
        try { return parse(); }
        catch (InvalidDataException e) when (IsMultiLine(e.Message)) { throw new InvalidDataException(OneLine(e.Message), e); }
        catch (FormatException e) when (IsMultiLine(e.Message)) { throw new FormatException(OneLine(e.Message), e); }
        catch (NotSupportedException e) when (IsMultiLine(e.Message)) { throw new NotSupportedException(OneLine(e.Message), e); }
    }

    /// <summary>True when <paramref name="message"/> holds a line break of any kind.</summary>
    public static bool IsMultiLine(string message) => message.AsSpan().IndexOfAny("\r\n\u2028\u2029\u0085") >= 0;
}
