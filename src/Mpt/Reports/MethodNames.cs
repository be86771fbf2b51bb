namespace Mpt.Reports;

/// <summary>
/// Display names and column order of methods in the report: the paper's baselines first, in the order of its Table 1
/// (PT, SPoT, MPT, then MPT* — MPT with one shared prompt multitask-adapted to all targets), then any other method
/// (ablations such as <c>mpt-no-kd</c>) in alphabetical order.
/// </summary>
public static class MethodNames
{
    private static readonly (string Key, string Display)[] Known = [("pt", "PT"), ("spot", "SPoT"), ("mpt", "MPT"), ("mpt*", "MPT*")];

    /// <summary>Printed name: <c>pt</c> → PT, <c>spot</c> → SPoT, <c>mpt</c> → MPT, <c>mpt*</c> → MPT*, others unchanged.</summary>
    public static string Display(string method)
    {
        foreach (var (key, display) in Known)
            if (string.Equals(key, method, StringComparison.OrdinalIgnoreCase)) return display;
        return method;
    }

    /// <summary>The methods in report order (known baselines first, then ordinal order).</summary>
    public static List<string> Order(IEnumerable<string> methods) =>
        methods.Distinct(StringComparer.Ordinal)
            .OrderBy(m => Array.FindIndex(Known, k => string.Equals(k.Key, m, StringComparison.OrdinalIgnoreCase)) is var i && i >= 0 ? i : Known.Length)
            .ThenBy(m => m, StringComparer.Ordinal)
            .ToList();
}
