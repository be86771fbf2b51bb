using System.Globalization;
using System.Text;

namespace Mpt.Encoder;

/// <summary>
/// Hugging Face BasicTokenizer's accent stripping for uncased BERT (<c>strip_accents</c> follows <c>do_lower_case</c>):
/// NFD decomposition, then every non-spacing mark (category Mn) dropped, so "Café" reads as "Cafe".
/// <para>
/// Why not <c>string.Normalize(FormD)</c>: the solution runs with <c>InvariantGlobalization</c>, where .NET has no ICU
/// and <c>Normalize</c> silently returns its input unchanged. Microsoft.ML.Tokenizers' BertTokenizer relies on it, so
/// without this step accented words became <c>[UNK]</c>. The per-character results come from Python's
/// <c>unicodedata</c> (AccentStripper.Table.cs); Hangul syllables decompose by the Unicode algorithm (§3.12).
/// </para>
/// </summary>
internal static partial class AccentStripper
{
    private static readonly Lazy<Dictionary<int, string>> Replacements = new(ParseTable);

    /// <summary>The text with every character replaced by its NFD decomposition minus non-spacing marks.</summary>
    public static string Strip(string text)
    {
        if (Ascii.IsValid(text)) return text; // nothing to decompose
        var map = Replacements.Value;
        var result = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (map.TryGetValue(rune.Value, out string? replacement)) result.Append(replacement);
            else if (IsHangulSyllable(rune.Value)) AppendHangulJamo(rune.Value, result);
            else if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark) result.Append(rune.ToString());
        }
        return result.ToString();
    }

    private const int HangulBase = 0xAC00, HangulCount = 11172, LeadBase = 0x1100, VowelBase = 0x1161, TrailBase = 0x11A7;
    private const int VowelCount = 21, TrailCount = 28;

    private static bool IsHangulSyllable(int codePoint) => codePoint is >= HangulBase and < HangulBase + HangulCount;

    private static void AppendHangulJamo(int syllable, StringBuilder result)
    {
        int index = syllable - HangulBase;
        result.Append((char)(LeadBase + index / (VowelCount * TrailCount)));
        result.Append((char)(VowelBase + index % (VowelCount * TrailCount) / TrailCount));
        if (index % TrailCount != 0) result.Append((char)(TrailBase + index % TrailCount));
    }

    private static Dictionary<int, string> ParseTable()
    {
        var map = new Dictionary<int, string>();
        foreach (string entry in Table.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = entry.IndexOf('=');
            int key = int.Parse(entry.AsSpan(0, equals), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var value = new StringBuilder();
            foreach (string code in entry[(equals + 1)..].Split(' '))
                value.Append(char.ConvertFromUtf32(int.Parse(code, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            map[key] = value.ToString();
        }
        return map;
    }
}
