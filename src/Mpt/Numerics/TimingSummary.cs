using System.Globalization;

namespace Mpt.Numerics;

/// <summary>
/// Repeated timings of one operation summarised robustly: the median is the headline (one round disturbed by another
/// process on a shared machine moves it by one rank, not by its size), the quartiles and extremes say how noisy the
/// rounds were.
/// </summary>
/// <param name="Median">Median (mean of the two middle values for an even count).</param>
/// <param name="LowerQuartile">0.25-quantile (<see cref="Metrics.PairedBootstrap.Quantile"/>: a measured value, never an interpolation).</param>
/// <param name="UpperQuartile">0.75-quantile.</param>
/// <param name="Min">Smallest value.</param>
/// <param name="Max">Largest value.</param>
/// <param name="Count">Number of values.</param>
public sealed record TimingSummary(double Median, double LowerQuartile, double UpperQuartile, double Min, double Max, int Count)
{
    /// <summary>Summarises a non-empty list of values (any unit; the summary keeps it).</summary>
    /// <exception cref="ArgumentException">The list is empty or holds a value that is not finite.</exception>
    public static TimingSummary Of(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("no values to summarise.", nameof(values));
        if (values.Any(v => !double.IsFinite(v))) throw new ArgumentException("a value is not finite.", nameof(values));
        var sorted = values.Order().ToArray();
        return new TimingSummary(MedianOfSorted(sorted), Metrics.PairedBootstrap.Quantile(sorted, 0.25),
            Metrics.PairedBootstrap.Quantile(sorted, 0.75), sorted[0], sorted[^1], sorted.Length);
    }

    /// <summary>The median of a non-empty list.</summary>
    /// <exception cref="ArgumentException">The list is empty.</exception>
    public static double MedianOf(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("the median of an empty list is undefined.", nameof(values));
        return MedianOfSorted(values.Order().ToArray());
    }

    /// <summary>The summary of <c>f(value)</c> for a decreasing <paramref name="f"/> (e.g. a time → a rate): the median
    /// maps to the median, and the quartiles and extremes swap ends.</summary>
    public TimingSummary MapDecreasing(Func<double, double> f) =>
        new(f(Median), f(UpperQuartile), f(LowerQuartile), f(Max), f(Min), Count);

    /// <summary>e.g. <c>141.2 (IQR 135.0–150.3, min 96.1, max 160.0, n 15)</c>.</summary>
    public string Describe(string format = "F1") => string.Create(CultureInfo.InvariantCulture,
        $"{Median.ToString(format, CultureInfo.InvariantCulture)} (IQR {LowerQuartile.ToString(format, CultureInfo.InvariantCulture)}–{UpperQuartile.ToString(format, CultureInfo.InvariantCulture)}, " +
        $"min {Min.ToString(format, CultureInfo.InvariantCulture)}, max {Max.ToString(format, CultureInfo.InvariantCulture)}, n {Count})");

    private static double MedianOfSorted(double[] sorted)
    {
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
