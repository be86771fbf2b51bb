namespace Mpt.RealData;

/// <summary>
/// Removes repeated inputs so the same text cannot sit in both a training and a test split (the UCI files, the
/// SpamAssassin folders and the fortune files all contain repeats).
/// </summary>
internal static class ExampleDeduplicator
{
    /// <summary>First occurrence of each text; texts whose copies carry different labels are dropped entirely.</summary>
    public static IEnumerable<(string Id, string Text, string Label)> FirstOfEachText(IReadOnlyList<(string Id, string Text, string Label)> rows)
    {
        var labelCount = rows.GroupBy(r => r.Text, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(r => r.Label).Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return rows.Where(r => labelCount[r.Text] == 1 && seen.Add(r.Text));
    }
}
