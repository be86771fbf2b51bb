namespace Mpt.RealData;

/// <summary>
/// Project-written mapping of Brown tags to the universal part-of-speech tags of Petrov, Das &amp; McDonald (2012):
/// NOUN, VERB, ADJ, ADV, PRON, DET, ADP, NUM, CONJ, PRT, X and "." (punctuation). Written from the Brown tagset
/// manual's tag descriptions (Francis &amp; Kučera 1979), not copied from another mapping.
/// A full Brown tag is reduced to its base first: only the part before a '+' contraction counts (<c>ppss+md</c> →
/// <c>ppss</c>), the title / headline / cited suffixes <c>-tl -hl -nc</c> are dropped, <c>fw-</c> (foreign word) is X,
/// and a trailing negation <c>*</c> (<c>doz*</c>) or possessive <c>$</c> (<c>nn$</c>) is removed when the tag is not
/// itself in the table.
/// </summary>
public static class UniversalTagMap
{
    private static readonly Dictionary<string, string> BaseTags = Build(
        ("NOUN", ["nn", "nns", "np", "nps", "nr", "nrs"]),
        ("VERB", ["vb", "vbd", "vbg", "vbn", "vbz", "be", "bed", "bedz", "beg", "bem", "ben", "ber", "bez",
                  "do", "dod", "doz", "hv", "hvd", "hvg", "hvn", "hvz", "md"]),
        ("ADJ", ["jj", "jjr", "jjs", "jjt", "od"]),
        ("ADV", ["rb", "rbr", "rbt", "rn", "ql", "qlp", "wql", "wrb", "*"]),
        ("PRON", ["pn", "pp$", "pp$$", "ppl", "ppls", "ppo", "pps", "ppss", "wp$", "wpo", "wps"]),
        ("DET", ["at", "ap", "abl", "abn", "abx", "dt", "dti", "dts", "dtx", "wdt", "ex"]),
        ("ADP", ["in"]),
        ("NUM", ["cd"]),
        ("CONJ", ["cc", "cs"]),
        ("PRT", ["rp", "to"]),
        ("X", ["uh", "nil"]),
        (".", [".", ",", ":", ";", "(", ")", "--", "'", "''", "``", "`", "'`"]));

    private static readonly string[] Suffixes = ["-tl", "-hl", "-nc"];

    /// <summary>The universal tags that can be targets (all but punctuation ".").</summary>
    public static IReadOnlyList<string> WordTags { get; } = ["ADJ", "ADP", "ADV", "CONJ", "DET", "NOUN", "NUM", "PRON", "PRT", "VERB", "X"];

    /// <summary>The universal tag of a full Brown tag, or null when the tag is not in the Brown tagset.</summary>
    public static string? Map(string brownTag)
    {
        ArgumentNullException.ThrowIfNull(brownTag);
        string tag = brownTag.ToLowerInvariant();
        if (tag.StartsWith("fw-", StringComparison.Ordinal)) return "X";
        int plus = tag.IndexOf('+');
        if (plus > 0) tag = tag[..plus];
        // Suffixes combine in any order (nn-tl-hl, vbn-tl-nc): strip until none is left.
        string? suffix;
        while ((suffix = Suffixes.FirstOrDefault(x => tag.Length > x.Length && tag.EndsWith(x, StringComparison.Ordinal))) is not null)
            tag = tag[..^suffix.Length];
        if (BaseTags.TryGetValue(tag, out string? universal)) return universal;
        string trimmed = tag.TrimEnd('*', '$');
        return trimmed.Length > 0 && BaseTags.TryGetValue(trimmed, out universal) ? universal : null;
    }

    private static Dictionary<string, string> Build(params (string Universal, string[] Brown)[] groups)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (universal, tags) in groups)
            foreach (string tag in tags) map.Add(tag, universal);
        return map;
    }
}
