using System.Globalization;
using Mpt.Data;

namespace Mpt.RealData;

/// <summary>
/// The VADER sentiment lexicon (Hutto &amp; Gilbert 2014) as shipped in <c>vader-sentiment</c>:
/// <c>vader_lexicon.txt</c>, tab-separated <c>token, mean, sd, [10 ratings]</c>, ratings by 10 people on −4…+4.
/// </summary>
public static class VaderLexicon
{
    /// <summary>Every (token, mean rating) in file order.</summary>
    public static IReadOnlyList<(string Token, double Mean)> Read(string vaderDir)
    {
        string path = SourceText.RequireFile(vaderDir, "vader_lexicon.txt", PinnedSources.Vader);
        string[] lines = SourceText.ReadAllLines(path);
        var entries = new List<(string, double)>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            string[] f = lines[i].Split('\t');
            var where = new RowLocation(path, Line: i + 1);
            if (f.Length < 3) throw new DataFormatException(where, "expected 'token<TAB>mean<TAB>sd<TAB>ratings'");
            if (!double.TryParse(f[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double mean))
                throw new DataFormatException(where, $"mean rating '{f[1]}' is not a number", "mean");
            entries.Add((f[0], mean));
        }
        return entries;
    }
}
