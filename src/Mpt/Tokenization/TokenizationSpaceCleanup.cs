namespace Mpt.Tokenization;

/// <summary>
/// HF's <c>clean_up_tokenization</c> (transformers tokenization_utils_base.py), applied by <c>decode</c> when
/// <c>clean_up_tokenization_spaces</c> is true: removes the space before punctuation and English contractions that
/// word-level detokenization leaves, e.g. "end ." → "end.". The replacements run in this order, each over the whole
/// string, as Python's chained <c>str.replace</c>.
/// </summary>
internal static class TokenizationSpaceCleanup
{
    private static readonly (string From, string To)[] Replacements =
    [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"),
        (" n't", "n't"), (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ];

    /// <summary>Applies the cleanup.</summary>
    public static string Apply(string text)
    {
        foreach (var (from, to) in Replacements) text = text.Replace(from, to, StringComparison.Ordinal);
        return text;
    }
}
