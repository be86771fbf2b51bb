namespace Mpt.RealData;

/// <summary>
/// Rule-based English sentence splitter for running prose (SOTU speeches): a sentence ends at '.', '!' or '?'
/// (plus any closing quotes/brackets) followed by white space and an upper-case letter, digit or opening quote —
/// unless the word before the period is a title or other common abbreviation, or a single capital (an initial).
/// Simple on purpose: deterministic and good enough for sentence-level classification.
/// </summary>
internal static class SentenceSplitter
{
    private static readonly HashSet<string> Abbreviations = new(StringComparer.Ordinal)
    {
        "Mr", "Mrs", "Ms", "Dr", "St", "Gen", "Gov", "Hon", "Jr", "Sr", "No", "Nos", "Messrs", "Rev", "Col", "Capt",
        "Lt", "Sgt", "Adm", "Sen", "Rep", "Prof", "Mt", "Ft", "Co", "Corp", "Inc", "Ltd", "vs", "viz", "etc", "U.S",
        "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "i.e", "e.g", "Art", "Sec",
    };

    /// <summary>The sentences of <paramref name="text"/>, each with collapsed white space.</summary>
    public static IReadOnlyList<string> Split(string text)
    {
        string t = SourceText.CollapseWhitespace(text);
        var sentences = new List<string>();
        int start = 0;
        for (int i = 0; i < t.Length; i++)
        {
            if (t[i] is not ('.' or '!' or '?')) continue;
            int end = i + 1;
            while (end < t.Length && t[end] is '"' or '\'' or ')' or ']' or '\u201d' or '\u2019') end++;
            if (end >= t.Length - 1 || t[end] != ' ') continue;
            char next = t[end + 1];
            if (!(char.IsUpper(next) || char.IsDigit(next) || next is '"' or '\'' or '(' or '\u201c')) continue;
            if (t[i] == '.' && IsAbbreviation(t, start, i)) continue;
            sentences.Add(t[start..end]);
            start = end + 1;
            i = end;
        }
        if (start < t.Length) sentences.Add(t[start..].Trim());
        return sentences.Where(s => s.Length > 0).ToList();
    }

    private static bool IsAbbreviation(string t, int sentenceStart, int period)
    {
        int wordStart = period;
        while (wordStart > sentenceStart && t[wordStart - 1] != ' ') wordStart--;
        string word = t[wordStart..period].TrimStart('(', '"', '\'');
        return Abbreviations.Contains(word) || (word.Length == 1 && char.IsUpper(word[0]));
    }
}
