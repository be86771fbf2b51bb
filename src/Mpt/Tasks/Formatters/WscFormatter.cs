using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Mpt.Tasks.Formatters;

/// <summary>
/// SuperGLUE WSC (ATTEMPT <c>SuperGLUEWSCFixed._mark_span</c>, after t5): the noun span is wrapped in <c>*</c> and the
/// pronoun span in <c>#</c>, each located by the regex <c>^((?:\S+\s){N})(W)</c> with N the span's word index and W
/// the span text, substituted into the pattern WITHOUT escaping: the text is first read as a Python replacement
/// template (backslash escapes; unknown letter escapes and group references raise) and then as regex syntax, so
/// metacharacters can mis-match or fail. When span 1 comes before span 2, span 2's index is shifted by 2 for the
/// two marker words, whether or not span 1 was found. A span that does not match is left unmarked.
/// <see cref="FormatOptions.EscapeWscSpans"/> matches the span text literally.
/// </summary>
public sealed class WscFormatter : ITaskFormatter
{
    // Python re's \s and \S (str patterns) count U+001C..U+001F as whitespace; .NET's do not.
    private const string Space = @"[\s\x1C-\x1F]";
    private const string NonSpace = @"[^\s\x1C-\x1F]";

    /// <inheritdoc />
    public string TargetField => "label";

    /// <inheritdoc />
    public object? TargetPlaceholder => 0L;

    /// <inheritdoc />
    public IReadOnlyList<TextToTextRow> Format(TaskDefinition task, IReadOnlyDictionary<string, object?> example, FormatOptions options)
    {
        string text = ExampleFields.Str(task, example, "text");
        long span1Index = ExampleFields.Integer(task, example, "span1_index");
        long span2Index = ExampleFields.Integer(task, example, "span2_index");
        text = MarkSpan(task, text, ExampleFields.Str(task, example, "span1_text"), span1Index, '*', options.EscapeWscSpans);
        long shifted = span2Index + (span1Index < span2Index ? 2 : 0);
        text = MarkSpan(task, text, ExampleFields.Str(task, example, "span2_text"), shifted, '#', options.EscapeWscSpans);
        return [task.Row(["text:", text], ExampleFields.Str(task, example, "label"), options)];
    }

    private static string MarkSpan(TaskDefinition task, string text, string span, long index, char mark, bool escape)
    {
        string spanPattern = escape ? Regex.Escape(span) : ExpandReplacementTemplate(task, span);
        string pattern = $"^((?:{NonSpace}+{Space}){{{index.ToString(CultureInfo.InvariantCulture)}}})({spanPattern})";
        Regex regex;
        try
        {
            regex = new Regex(pattern, RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            throw new TaskFormatException(task.Name,
                $"span text '{span}' is not a valid regular expression (ATTEMPT inserts it unescaped): {e.Message}", e);
        }
        // re.sub(pattern, r'\1{mark} \2 {mark}', text): all matches; an unmatched group is empty.
        return regex.Replace(text, m => $"{m.Groups[1].Value}{mark} {m.Groups[2].Value} {mark}");
    }

    /// <summary>
    /// What Python's <c>re.sub('W', span, pattern)</c> inserts for <paramref name="span"/>: the span read as a
    /// replacement template of a pattern without groups. Python 3.11 <c>sre_parse.parse_template</c>: \\a \\b \\f \\n
    /// \\r \\t \\v \\\\ are escapes, \\0 and three-digit octal give a character, \\g&lt;0&gt; is the matched "W", any
    /// other group reference raises, an unknown escape of an ASCII letter raises, other unknown escapes are kept.
    /// </summary>
    internal static string ExpandReplacementTemplate(TaskDefinition task, string span)
    {
        var sb = new StringBuilder(span.Length);
        for (int i = 0; i < span.Length; i++)
        {
            char c = span[i];
            if (c != '\\') { sb.Append(c); continue; }
            if (i + 1 >= span.Length)
                throw Bad(task, span, "bad escape (end of pattern)");
            char e = span[++i];
            switch (e)
            {
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case '\\': sb.Append('\\'); break;
                case 'g':
                    int close = span.IndexOf('>', i);
                    if (i + 1 < span.Length && span[i + 1] == '<' && close > i)
                    {
                        string name = span[(i + 2)..close];
                        if (name == "0") { sb.Append('W'); i = close; break; }
                        throw Bad(task, span, $"invalid group reference {name}");
                    }
                    throw Bad(task, span, "missing <");
                case '0':
                    int value = 0, digits = 0;
                    while (digits < 2 && i + 1 < span.Length && span[i + 1] is >= '0' and <= '7')
                    {
                        value = value * 8 + (span[++i] - '0');
                        digits++;
                    }
                    sb.Append((char)value);
                    break;
                case >= '1' and <= '9':
                    if (i + 2 < span.Length && e <= '7' && span[i + 1] is >= '0' and <= '7' && span[i + 2] is >= '0' and <= '7')
                    {
                        int octal = (e - '0') * 64 + (span[i + 1] - '0') * 8 + (span[i + 2] - '0');
                        if (octal > 0xFF) throw Bad(task, span, $"octal escape value \\{e}{span[i + 1]}{span[i + 2]} outside of range 0-0o377");
                        sb.Append((char)octal);
                        i += 2;
                        break;
                    }
                    throw Bad(task, span, $"invalid group reference {e}");
                default:
                    if (e is >= 'a' and <= 'z' or >= 'A' and <= 'Z') throw Bad(task, span, $"bad escape \\{e}");
                    sb.Append('\\').Append(e);
                    break;
            }
        }
        return sb.ToString();
    }

    private static TaskFormatException Bad(TaskDefinition task, string span, string what) =>
        new(task.Name, $"span text '{span}' is read by ATTEMPT as a regex replacement template and Python raises: {what}.");
}
