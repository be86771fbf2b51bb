using System.Globalization;
using System.Text;

namespace Mpt.Encoder;

/// <summary>
/// Hugging Face BasicTokenizer's accent stripping (<c>_run_strip_accents</c>): NFD decomposition, then every
/// non-spacing mark (category Mn) dropped, so "Café" reads as "Cafe". NFD comes from <see cref="UnicodeNormalization"/>
/// (see there why not <c>string.Normalize</c>).
/// </summary>
internal static class AccentStripper
{
    /// <summary>The text in NFD with every non-spacing mark removed.</summary>
    public static string Strip(string text)
    {
        if (Ascii.IsValid(text)) return text; // nothing to decompose
        var result = new StringBuilder(text.Length);
        foreach (var rune in UnicodeNormalization.Nfd(text).EnumerateRunes())
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark) result.Append(rune.ToString());
        return result.ToString();
    }
}
