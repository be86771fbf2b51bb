using System.Globalization;
using System.Text;

namespace Mpt.Encoder;

/// <summary>
/// Unicode canonical normalization forms NFD and NFC (Unicode Standard Annex #15), as Python's
/// <c>unicodedata.normalize</c> computes them, which HF's BertTokenizer calls.
/// <para>
/// Why not <c>string.Normalize</c>: the solution runs with <c>InvariantGlobalization</c>, where .NET has no ICU and
/// <c>Normalize</c> returns its input unchanged. The data (full canonical decompositions, combining classes, primary
/// composites) come from Python's <c>unicodedata</c> (UnicodeNormalization.Table.cs); Hangul syllables decompose and
/// compose by the Unicode algorithm (Unicode Standard §3.12).
/// </para>
/// </summary>
internal static partial class UnicodeNormalization
{
    private sealed record Data(Dictionary<int, int[]> Decompositions, Dictionary<int, byte> CombiningClasses, Dictionary<(int, int), int> Composites);

    private static readonly Lazy<Data> Tables = new(Parse);

    private const int HangulBase = 0xAC00, HangulCount = 11172, LeadBase = 0x1100, VowelBase = 0x1161, TrailBase = 0x11A7;
    private const int LeadCount = 19, VowelCount = 21, TrailCount = 28;

    /// <summary>Canonical decomposition followed by canonical ordering of combining marks (NFD).</summary>
    public static string Nfd(string text) => Ascii.IsValid(text) ? text : ToString(Decompose(text));

    /// <summary>NFD followed by canonical composition (NFC).</summary>
    public static string Nfc(string text) => Ascii.IsValid(text) ? text : ToString(Compose(Decompose(text)));

    /// <summary>The canonical combining class of a code point (0 for starters).</summary>
    public static int CombiningClass(int codePoint) => Tables.Value.CombiningClasses.GetValueOrDefault(codePoint);

    private static List<int> Decompose(string text)
    {
        var data = Tables.Value;
        var result = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            int c = rune.Value;
            if (c is >= HangulBase and < HangulBase + HangulCount)
            {
                int index = c - HangulBase;
                result.Add(LeadBase + index / (VowelCount * TrailCount));
                result.Add(VowelBase + index % (VowelCount * TrailCount) / TrailCount);
                if (index % TrailCount != 0) result.Add(TrailBase + index % TrailCount);
            }
            else if (data.Decompositions.TryGetValue(c, out var parts)) result.AddRange(parts);
            else result.Add(c);
        }
        // Canonical ordering: within each run of non-starters, a stable sort by combining class.
        for (int i = 1; i < result.Count; i++)
        {
            int cc = CombiningClass(result[i]);
            if (cc == 0) continue;
            for (int j = i; j > 0 && CombiningClass(result[j - 1]) > cc; j--)
                (result[j - 1], result[j]) = (result[j], result[j - 1]);
        }
        return result;
    }

    /// <summary>The canonical composition algorithm: a mark joins the last starter unless a mark of equal or higher class (or a starter) sits between.</summary>
    private static List<int> Compose(List<int> decomposed)
    {
        var composites = Tables.Value.Composites;
        var result = new List<int>(decomposed.Count);
        int starter = -1, lastClass = 0;
        foreach (int c in decomposed)
        {
            int cc = CombiningClass(c);
            if (starter >= 0)
            {
                bool adjacent = result.Count - 1 == starter;
                bool unblocked = adjacent || (lastClass != 0 && lastClass < cc);
                if (unblocked && TryCompose(result[starter], c, composites, out int composite))
                {
                    result[starter] = composite;
                    continue;
                }
            }
            if (cc == 0) starter = result.Count;
            lastClass = cc;
            result.Add(c);
        }
        return result;
    }

    private static bool TryCompose(int first, int second, Dictionary<(int, int), int> composites, out int composite)
    {
        if (first is >= LeadBase and < LeadBase + LeadCount && second is >= VowelBase and < VowelBase + VowelCount)
        {
            composite = HangulBase + ((first - LeadBase) * VowelCount + (second - VowelBase)) * TrailCount;
            return true;
        }
        if (first is >= HangulBase and < HangulBase + HangulCount && (first - HangulBase) % TrailCount == 0
            && second is > TrailBase and < TrailBase + TrailCount)
        {
            composite = first + (second - TrailBase);
            return true;
        }
        return composites.TryGetValue((first, second), out composite);
    }

    private static string ToString(List<int> codePoints)
    {
        var builder = new StringBuilder(codePoints.Count);
        foreach (int c in codePoints) builder.Append(char.ConvertFromUtf32(c));
        return builder.ToString();
    }

    private static Data Parse()
    {
        static int Hex(ReadOnlySpan<char> s) => int.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        static IEnumerable<(string Key, string Value)> Entries(string table) =>
            table.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(e => (e[..e.IndexOf('=')], e[(e.IndexOf('=') + 1)..]));

        var decompositions = Entries(Decompositions).ToDictionary(e => Hex(e.Key), e => e.Value.Split(' ').Select(p => Hex(p)).ToArray());
        var classes = new Dictionary<int, byte>();
        foreach (var (range, value) in Entries(CombiningClasses))
        {
            int dash = range.IndexOf('-');
            byte cc = byte.Parse(value, CultureInfo.InvariantCulture);
            for (int c = Hex(range.AsSpan(0, dash)); c <= Hex(range.AsSpan(dash + 1)); c++) classes[c] = cc;
        }
        var composites = new Dictionary<(int, int), int>();
        foreach (var (code, pair) in Entries(Composites))
        {
            var parts = pair.Split(' ');
            composites[(Hex(parts[0]), Hex(parts[1]))] = Hex(code);
        }
        return new Data(decompositions, classes, composites);
    }
}
