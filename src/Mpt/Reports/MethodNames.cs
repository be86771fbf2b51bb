using Mpt.Methods;

namespace Mpt.Reports;

/// <summary>
/// Display names and column order of methods in the report, from the method registry (<see cref="AdaptMethods"/>): the
/// paper's methods in the order of its Table 1 (PT, SPoT, MPT, then MPT* — MPT with one shared prompt multitask-adapted
/// to all targets), the registered ablations and baselines, then any other key in alphabetical order.
/// </summary>
public static class MethodNames
{
    /// <summary>Printed name of a results key (<c>pt</c> → PT, <c>mpt*</c> → MPT*, ...); a key not in the registry unchanged.</summary>
    public static string Display(string method) => AdaptMethods.ByKey(method)?.DisplayName ?? method;

    /// <summary>The methods in report order (registered methods in registry order, then ordinal order).</summary>
    public static List<string> Order(IEnumerable<string> methods) =>
        methods.Distinct(StringComparer.Ordinal)
            .OrderBy(m => AdaptMethods.ByKey(m) is { } known ? IndexOf(known) : AdaptMethods.All.Count)
            .ThenBy(m => m, StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// The untrained baselines (majority, no prompt) first, then the others in <see cref="Order"/>: the column order of
    /// the printed results tables, and the orientation of paired comparisons (a later method minus an earlier one, so
    /// MPT − PT and a trained method minus a baseline).
    /// </summary>
    public static List<string> BaselinesFirst(IEnumerable<string> methods)
    {
        var all = methods.Distinct(StringComparer.Ordinal).ToList();
        var untrained = Order(all.Where(m => AdaptMethods.ByKey(m) is { Trained: false }));
        return [.. untrained, .. Order(all.Except(untrained))];
    }

    private static int IndexOf(AdaptMethod method)
    {
        for (int i = 0; i < AdaptMethods.All.Count; i++)
            if (ReferenceEquals(AdaptMethods.All[i], method)) return i;
        return AdaptMethods.All.Count;
    }
}
