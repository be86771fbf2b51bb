using System.Globalization;
using System.Text;

namespace Mpt.Data;

/// <summary>
/// The few pieces of CPython string semantics the reference pipeline (ATTEMPT <c>data/tasks.py</c>,
/// <c>metrics/qa_utils.py</c>, the official SQuAD script) depends on, reproduced on Unicode scalar values
/// (code points), not UTF-16 units, because Python strings are sequences of code points.
/// </summary>
internal static class PythonText
{
    /// <summary>
    /// Python <c>str.isspace()</c> on one code point, which is also what <c>str.split()</c> and <c>re</c>'s <c>\s</c>
    /// use: .NET <c>char.IsWhiteSpace</c> plus the ASCII information separators U+001C..U+001F that CPython counts as
    /// whitespace (bidirectional class B/S).
    /// </summary>
    public static bool IsSpace(Rune r) =>
        Rune.IsWhiteSpace(r) || (r.Value >= 0x1C && r.Value <= 0x1F);

    /// <summary>Python <c>str.split()</c> with no separator: split on whitespace runs, drop empty pieces.</summary>
    public static List<string> SplitWhitespace(string text)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        foreach (Rune r in EnumerateRunes(text))
        {
            if (IsSpace(r))
            {
                if (current.Length > 0) { parts.Add(current.ToString()); current.Clear(); }
            }
            else current.Append(r.ToString());
        }
        if (current.Length > 0) parts.Add(current.ToString());
        return parts;
    }

    /// <summary>
    /// The code points of <paramref name="text"/>; a lone surrogate (which Python can hold but UTF-16 cannot pair)
    /// is returned as U+FFFD so callers never split a pair.
    /// </summary>
    public static IEnumerable<Rune> EnumerateRunes(string text)
    {
        for (int i = 0; i < text.Length;)
        {
            if (Rune.TryGetRuneAt(text, i, out Rune r))
            {
                yield return r;
                i += r.Utf16SequenceLength;
            }
            else
            {
                yield return Rune.ReplacementChar;
                i++;
            }
        }
    }

    /// <summary>Python <c>\w</c> for str patterns: alphanumeric per <c>str.isalnum()</c> (letters, all numerics) or '_'.</summary>
    public static bool IsWordChar(Rune r)
    {
        if (r.Value == '_') return true;
        UnicodeCategory c = Rune.GetUnicodeCategory(r);
        return c is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber
            or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
    }

    /// <summary>
    /// Python <c>float(s)</c>: surrounding whitespace allowed, optional sign, digits with single underscores between
    /// them, optional fraction and exponent, or inf / infinity / nan in any case. Returns false where Python raises
    /// ValueError.
    /// </summary>
    public static bool TryParseFloat(string s, out double value)
    {
        value = 0;
        string t = Trim(s);
        if (t.Length == 0) return false;
        int i = 0;
        bool negative = false;
        if (t[0] is '+' or '-') { negative = t[0] == '-'; i = 1; }
        string body = t[i..];
        string lower = body.ToLowerInvariant();
        if (lower is "inf" or "infinity") { value = negative ? double.NegativeInfinity : double.PositiveInfinity; return true; }
        if (lower == "nan") { value = double.NaN; return true; }
        if (!System.Text.RegularExpressions.Regex.IsMatch(body,
                @"^(?:(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*\.?)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$"))
            return false;
        value = double.Parse(body.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture);
        if (negative) value = -value;
        return true;
    }

    /// <summary>Python <c>str.strip()</c> with no argument (Python whitespace).</summary>
    public static string Trim(string s)
    {
        int start = 0, end = s.Length;
        while (start < end && Rune.TryGetRuneAt(s, start, out Rune a) && IsSpace(a)) start += a.Utf16SequenceLength;
        while (end > start)
        {
            int prev = end - 1;
            if (char.IsLowSurrogate(s[prev]) && prev > start && char.IsHighSurrogate(s[prev - 1])) prev--;
            if (!Rune.TryGetRuneAt(s, prev, out Rune b) || !IsSpace(b)) break;
            end = prev;
        }
        return s[start..end];
    }

    /// <summary>
    /// Python <c>repr(float)</c> / <c>str(float)</c>: the shortest round-trip digits, fixed notation when the decimal
    /// exponent is in [-4, 16), otherwise <c>d.ddde+XX</c>; integral values keep a trailing ".0".
    /// </summary>
    public static string FloatRepr(double v)
    {
        if (double.IsNaN(v)) return "nan";
        if (double.IsPositiveInfinity(v)) return "inf";
        if (double.IsNegativeInfinity(v)) return "-inf";
        if (v == 0) return double.IsNegative(v) ? "-0.0" : "0.0";
        // "R" gives the shortest round-trip digits but lays them out differently from Python, so take the digits
        // and the exponent apart and lay them out again.
        string shortest = Math.Abs(v).ToString("R", CultureInfo.InvariantCulture);
        (string digits, int exp10) = DigitsAndExponent(shortest);
        string sign = v < 0 ? "-" : "";
        if (exp10 >= -4 && exp10 < 16)
        {
            string s;
            if (exp10 >= digits.Length - 1)
                s = digits + new string('0', exp10 - digits.Length + 1) + ".0";
            else if (exp10 >= 0)
                s = digits[..(exp10 + 1)] + "." + digits[(exp10 + 1)..];
            else
                s = "0." + new string('0', -exp10 - 1) + digits;
            return sign + s;
        }
        string mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
        return sign + mantissa + "e" + (exp10 < 0 ? "-" : "+") + Math.Abs(exp10).ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Python <c>str(value)</c> for the values a loaded example holds (string, long, double, bool, null, list,
    /// dictionary): strings unchanged, numbers as Python prints them, containers as their <c>repr</c>.
    /// </summary>
    public static string Str(object? value) => value is string s ? s : Repr(value);

    /// <summary>Python <c>repr(value)</c> (dictionaries in insertion order, as Python 3.7+ keeps them).</summary>
    public static string Repr(object? value) => value switch
    {
        null => "None",
        string s => ReprString(s),
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        double d => FloatRepr(d),
        float f => FloatRepr(f),
        IReadOnlyDictionary<string, object?> dict =>
            "{" + string.Join(", ", dict.Select(kv => ReprString(kv.Key) + ": " + Repr(kv.Value))) + "}",
        IEnumerable<object?> list => "[" + string.Join(", ", list.Select(Repr)) + "]",
        _ => throw new ArgumentException($"No Python representation for a value of type {value.GetType().Name}."),
    };

    /// <summary>
    /// Python <c>repr(str)</c>: single quotes unless the text holds a single quote and no double quote; backslash,
    /// the chosen quote, \n, \r, \t and other C0 controls / DEL escaped.
    /// </summary>
    public static string ReprString(string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder(s.Length + 2).Append(quote);
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c == quote) sb.Append('\\').Append(c);
                    else if (c < 0x20 || c == 0x7F) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append(quote).ToString();
    }

    /// <summary>Python <c>int(s)</c> for a string: surrounding whitespace, optional sign, digits with single underscores.</summary>
    public static bool TryParseInt(string s, out long value)
    {
        value = 0;
        string t = Trim(s);
        if (!System.Text.RegularExpressions.Regex.IsMatch(t, @"^[+-]?[0-9](?:_?[0-9])*$")) return false;
        return long.TryParse(t.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    private static (string Digits, int Exponent) DigitsAndExponent(string shortest)
    {
        int e = shortest.IndexOfAny(['E', 'e']);
        int exp = 0;
        string mant = shortest;
        if (e >= 0)
        {
            exp = int.Parse(shortest[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            mant = shortest[..e];
        }
        int dot = mant.IndexOf('.');
        string intPart = dot >= 0 ? mant[..dot] : mant;
        string fracPart = dot >= 0 ? mant[(dot + 1)..] : "";
        string all = intPart + fracPart;
        int lead = 0;
        while (lead < all.Length - 1 && all[lead] == '0') lead++;
        // Position of the first significant digit relative to the decimal point.
        int exp10 = exp + intPart.Length - 1 - lead;
        string digits = all[lead..].TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        return (digits, exp10);
    }
}
