using System.Text;
using Mpt.Data;

namespace Mpt.Metrics;

/// <summary>
/// Answer normalisation of the official SQuAD v1.1 evaluation script (also ReCoRD v1.0, t5 <c>normalize_squad</c>,
/// ATTEMPT <c>qa_utils</c>): lower-case, delete ASCII punctuation (Python <c>string.punctuation</c>, no space
/// inserted), replace the whole words a / an / the by a space (<c>\b(a|an|the)\b</c>), collapse whitespace.
/// </summary>
public static class SquadText
{
    private const string AsciiPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /// <summary>The normalised answer string.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lowered = new StringBuilder(text.Length);
        foreach (Rune r in PythonText.EnumerateRunes(text))
        {
            // Python str.lower() is the full Unicode mapping; the one one-to-many case that matters in practice
            // is U+0130 (capital I with dot) → "i̇".
            if (r.Value == 0x130) lowered.Append("i\u0307");
            else lowered.Append(Rune.ToLowerInvariant(r).ToString());
        }
        var noPunctuation = new StringBuilder(lowered.Length);
        foreach (char c in lowered.ToString())
            if (AsciiPunctuation.IndexOf(c) < 0) noPunctuation.Append(c);
        return string.Join(' ', PythonText.SplitWhitespace(RemoveArticles(noPunctuation.ToString())));
    }

    /// <summary>Normalised tokens (<c>normalize(s).split()</c>).</summary>
    public static IReadOnlyList<string> Tokens(string text) => PythonText.SplitWhitespace(Normalize(text));

    /// <summary>1 when the normalised strings are equal, else 0.</summary>
    public static double ExactMatch(string prediction, string gold) =>
        Normalize(prediction) == Normalize(gold) ? 1.0 : 0.0;

    /// <summary>Token-multiset F1 of the normalised strings; 0 when no token is shared (so two empty strings give 0).</summary>
    public static double F1(string prediction, string gold)
    {
        IReadOnlyList<string> p = Tokens(prediction), g = Tokens(gold);
        var goldCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string t in g) goldCounts[t] = goldCounts.GetValueOrDefault(t) + 1;
        int same = 0;
        foreach (string t in p)
        {
            if (goldCounts.TryGetValue(t, out int c) && c > 0)
            {
                same++;
                goldCounts[t] = c - 1;
            }
        }
        if (same == 0) return 0.0;
        double precision = 1.0 * same / p.Count, recall = 1.0 * same / g.Count;
        return 2 * precision * recall / (precision + recall);
    }

    // re.sub(r'\b(a|an|the)\b', ' ', s): a match is exactly a maximal run of word characters (Python \w) that
    // spells a, an or the, because \b is required on both sides.
    private static string RemoveArticles(string s)
    {
        var result = new StringBuilder(s.Length);
        var word = new StringBuilder();
        void Flush()
        {
            string w = word.ToString();
            result.Append(w is "a" or "an" or "the" ? " " : w);
            word.Clear();
        }
        foreach (Rune r in PythonText.EnumerateRunes(s))
        {
            if (PythonText.IsWordChar(r)) word.Append(r.ToString());
            else
            {
                Flush();
                result.Append(r.ToString());
            }
        }
        Flush();
        return result.ToString();
    }
}
