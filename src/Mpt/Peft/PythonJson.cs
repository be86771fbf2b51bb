using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace Mpt.Peft;

/// <summary>
/// Writes JSON byte for byte as CPython's <c>json.dumps(obj, indent=2, sort_keys=True)</c> does with its defaults
/// (<c>ensure_ascii=True</c>, <c>allow_nan=True</c>) — how PEFT's <c>PeftConfigMixin.save_pretrained</c> writes
/// <c>adapter_config.json</c>. Reproducing the bytes means a PEFT adapter read by Mpt and written again is identical,
/// so users can diff and hash adapters across the two worlds.
/// </summary>
/// <remarks>
/// Values are the Python JSON data model: <c>null</c>, <see cref="bool"/>, integers (<see cref="int"/>, <see cref="long"/>,
/// <see cref="BigInteger"/>: Python ints are unbounded), <see cref="double"/> (Python float), <see cref="string"/>,
/// <see cref="IReadOnlyList{T}"/> of values (list) and <see cref="IReadOnlyDictionary{TKey,TValue}"/> with string keys (dict).
/// Rules reproduced (CPython Lib/json/encoder.py): with an indent the item separator is <c>","</c> + newline (no trailing
/// space) and the key separator <c>": "</c>; empty containers are <c>{}</c> / <c>[]</c>; keys sorted by code point;
/// every character outside U+0020..U+007E is escaped, the short forms <c>\n \r \t \b \f \" \\</c> first, the rest as
/// <c>\uXXXX</c> with lowercase hex (non-BMP characters as their UTF-16 surrogate pair); floats use <c>float.__repr__</c>
/// (shortest round-trip digits, exponent form when the decimal exponent is below -4 or above 16, <c>1.0</c> not <c>1</c>,
/// <c>NaN</c> / <c>Infinity</c> / <c>-Infinity</c>); no trailing newline.
/// </remarks>
internal static class PythonJson
{
    /// <summary>Serialises <paramref name="value"/> as <c>json.dumps(value, indent=2, sort_keys=True)</c>.</summary>
    /// <exception cref="ArgumentException">A value is not of the Python JSON data model.</exception>
    public static string Dumps(object? value)
    {
        var sb = new StringBuilder();
        Write(sb, value, 0);
        return sb.ToString();
    }

    /// <summary>
    /// Converts a parsed JSON value to the data model Python's <c>json.loads</c> produces: numbers with a fraction or an
    /// exponent become floats (<c>1e400</c> → infinity), others unbounded integers; objects keep the last value of a
    /// repeated key (as Python's dict does).
    /// </summary>
    public static object? FromJsonElement(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => ParseNumber(element.GetRawText()),
        JsonValueKind.Array => element.EnumerateArray().Select(FromJsonElement).ToList(),
        JsonValueKind.Object => ObjectFromJson(element),
        _ => throw new ArgumentException($"unsupported JSON value kind {element.ValueKind}.", nameof(element)),
    };

    /// <summary>CPython's <c>repr(float)</c> for a finite value; JSON spellings for NaN and infinities.</summary>
    public static string FloatRepr(double value)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsPositiveInfinity(value)) return "Infinity";
        if (double.IsNegativeInfinity(value)) return "-Infinity";
        string sign = double.IsNegative(value) ? "-" : "";
        if (value == 0) return sign + "0.0";

        // .NET's "R" gives the shortest digit string that round-trips, as Python's repr (David Gay's mode 0); only the
        // layout differs, so take the digits and the decimal-point position from it and lay them out the Python way.
        var (digits, decpt) = ShortestDigits(Math.Abs(value));
        // CPython pystrtod.c format_float_short, type 'r': exponent notation iff decpt <= -4 or decpt > 16,
        // where value = 0.d1d2... × 10^decpt.
        if (decpt <= -4 || decpt > 16)
        {
            string mantissa = digits.Length == 1 ? digits : digits[..1] + "." + digits[1..];
            int exponent = decpt - 1;
            return $"{sign}{mantissa}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
        }
        if (decpt <= 0) return sign + "0." + new string('0', -decpt) + digits;
        if (decpt >= digits.Length) return sign + digits + new string('0', decpt - digits.Length) + ".0";
        return sign + digits[..decpt] + "." + digits[decpt..];
    }

    /// <summary>A string literal as <c>json.dumps</c> writes it with <c>ensure_ascii=True</c>.</summary>
    public static string QuoteAscii(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        AppendQuoted(sb, s);
        return sb.ToString();
    }

    /// <summary>Orders strings by Unicode code point, as Python sorts <c>str</c> (UTF-16 ordinal order differs for
    /// characters above U+FFFF versus U+E000..U+FFFF).</summary>
    public static readonly IComparer<string> CodePointOrder = Comparer<string>.Create(CompareCodePoints);

    private static int CompareCodePoints(string? a, string? b)
    {
        if (ReferenceEquals(a, b)) return 0;
        if (a is null) return -1;
        if (b is null) return 1;
        var ea = a.EnumerateRunes();
        var eb = b.EnumerateRunes();
        while (true)
        {
            bool ha = ea.MoveNext(), hb = eb.MoveNext();
            if (!ha || !hb) return ha == hb ? 0 : (ha ? 1 : -1);
            int c = ea.Current.Value.CompareTo(eb.Current.Value);
            if (c != 0) return c;
        }
    }

    private static object ParseNumber(string raw)
    {
        // Python's json scanner: a number with '.', 'e' or 'E' is float(text); otherwise int(text).
        if (raw.IndexOfAny(['.', 'e', 'E']) >= 0)
            return double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
        return BigInteger.Parse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
    }

    private static Dictionary<string, object?> ObjectFromJson(JsonElement element)
    {
        var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var p in element.EnumerateObject()) dict[p.Name] = FromJsonElement(p.Value);
        return dict;
    }

    private static (string Digits, int DecimalPoint) ShortestDigits(double positive)
    {
        string r = positive.ToString("R", CultureInfo.InvariantCulture);
        int exponent = 0;
        int e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        int dot = r.IndexOf('.');
        string intPart = dot >= 0 ? r[..dot] : r;
        string digits = dot >= 0 ? intPart + r[(dot + 1)..] : r;
        int decpt = intPart.Length + exponent;
        int leading = 0;
        while (leading < digits.Length - 1 && digits[leading] == '0') leading++;
        digits = digits[leading..];
        decpt -= leading;
        digits = digits.TrimEnd('0');
        return (digits, decpt);
    }

    private static void Write(StringBuilder sb, object? value, int level)
    {
        switch (value)
        {
            case null: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case string s: AppendQuoted(sb, s); break;
            case int i: sb.Append(i.ToString(CultureInfo.InvariantCulture)); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case BigInteger big: sb.Append(big.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(FloatRepr(d)); break;
            case float f: sb.Append(FloatRepr(f)); break;
            case IReadOnlyDictionary<string, object?> dict: WriteDict(sb, dict, level); break;
            case IEnumerable<KeyValuePair<string, object?>> pairs: WriteDict(sb, pairs.ToDictionary(kv => kv.Key, kv => kv.Value), level); break;
            case System.Collections.IEnumerable list: WriteList(sb, list.Cast<object?>().ToList(), level); break;
            default:
                throw new ArgumentException($"{value.GetType().Name} is not a Python JSON value (null, bool, int, float, str, list, dict).", nameof(value));
        }
    }

    private static void WriteDict(StringBuilder sb, IReadOnlyDictionary<string, object?> dict, int level)
    {
        if (dict.Count == 0) { sb.Append("{}"); return; }
        sb.Append('{');
        bool first = true;
        foreach (var key in dict.Keys.Order(CodePointOrder))
        {
            sb.Append(first ? "\n" : ",\n");
            first = false;
            Indent(sb, level + 1);
            AppendQuoted(sb, key);
            sb.Append(": ");
            Write(sb, dict[key], level + 1);
        }
        sb.Append('\n');
        Indent(sb, level);
        sb.Append('}');
    }

    private static void WriteList(StringBuilder sb, List<object?> list, int level)
    {
        if (list.Count == 0) { sb.Append("[]"); return; }
        sb.Append('[');
        for (int i = 0; i < list.Count; i++)
        {
            sb.Append(i == 0 ? "\n" : ",\n");
            Indent(sb, level + 1);
            Write(sb, list[i], level + 1);
        }
        sb.Append('\n');
        Indent(sb, level);
        sb.Append(']');
    }

    private static void Indent(StringBuilder sb, int level) => sb.Append(' ', 2 * level);

    private static void AppendQuoted(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    // encoder.py ESCAPE_ASCII = r'([\\"]|[^\ -~])': everything outside space..tilde, DEL included.
                    if (c < ' ' || c > '~') sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
