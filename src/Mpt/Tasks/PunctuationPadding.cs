using System.Globalization;
using System.Text;
using Mpt.Data;

namespace Mpt.Tasks;

/// <summary>
/// ATTEMPT's <c>pad_punctuation</c> (attempt/utils/utils.py, a re-implementation of t5's <c>_pad_punctuation</c>),
/// applied to SQuAD / MRQA fields only: every code point that is not '_', whitespace, a number (\p{N}), a letter
/// (\p{L}) or a mark (\p{M}) gets a space on both sides, then whitespace runs collapse to one space. It runs on
/// Python's <c>str(value)</c> and uses the <c>regex</c> module, whose <c>\s</c> is Unicode White_Space.
/// Worked on code points, so an emoji (a surrogate pair in UTF-16) is padded as one symbol.
/// </summary>
public static class PunctuationPadding
{
    /// <summary>The padded text.</summary>
    public static string Pad(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var padded = new StringBuilder(text.Length * 2);
        foreach (Rune r in PythonText.EnumerateRunes(text))
        {
            if (Keep(r)) padded.Append(r.ToString());
            else padded.Append(' ').Append(r.ToString()).Append(' ');
        }
        // re.sub(r'\s+', ' ', text) with the regex module: White_Space runs → one space (leading/trailing kept).
        var collapsed = new StringBuilder(padded.Length);
        bool inSpace = false;
        foreach (Rune r in PythonText.EnumerateRunes(padded.ToString()))
        {
            if (Rune.IsWhiteSpace(r))
            {
                if (!inSpace) collapsed.Append(' ');
                inSpace = true;
            }
            else
            {
                collapsed.Append(r.ToString());
                inSpace = false;
            }
        }
        return collapsed.ToString();
    }

    private static bool Keep(Rune r)
    {
        if (r.Value == '_' || Rune.IsWhiteSpace(r)) return true;
        return Rune.GetUnicodeCategory(r) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => true,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => true,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => true,
            _ => false,
        };
    }
}
