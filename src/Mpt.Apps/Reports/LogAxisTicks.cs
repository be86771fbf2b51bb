namespace Mpt.Reports;

/// <summary>
/// Tick values for a log₁₀ axis at round numbers. ScottPlot has no log axis: values are plotted as log₁₀ and the
/// ticks must be placed by hand, else its linear tick generator puts them at 10^0.6 = 3.98 and similar.
/// </summary>
internal static class LogAxisTicks
{
    private static readonly double[] OneTwoFive = [1, 2, 5];
    private static readonly double[] Dense = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8];
    private const int MaxTicks = 10;

    /// <summary>
    /// Round values within [<paramref name="min"/>, <paramref name="max"/>] (both &gt; 0): 1-2-5 per decade; powers of
    /// ten alone when that gives too many; a denser 1–8 series when the range is narrower than a 1-2-5 step; the value
    /// itself for a flat curve between round numbers.
    /// </summary>
    public static List<double> Major(double min, double max)
    {
        if (!(min > 0) || !(max >= min)) throw new ArgumentOutOfRangeException(nameof(min), $"need 0 < min ≤ max, got [{min}, {max}].");
        var ticks = Series(min, max, OneTwoFive);
        if (ticks.Count > MaxTicks) ticks = Series(min, max, [1]);
        if (ticks.Count < 3) ticks = Series(min, max, Dense);
        return ticks.Count > 0 ? ticks : [min]; // a flat curve between round numbers: label its value
    }

    /// <summary>Every m × 10^k (m = 1 … 9) within the range: the usual unlabelled log grid.</summary>
    public static List<double> Minor(double min, double max) => Series(min, max, [1, 2, 3, 4, 5, 6, 7, 8, 9]);

    private static List<double> Series(double min, double max, double[] mantissas)
    {
        var values = new List<double>();
        for (int exponent = (int)Math.Floor(Math.Log10(min)); exponent <= (int)Math.Ceiling(Math.Log10(max)); exponent++)
            foreach (double m in mantissas)
            {
                // m·10^k through decimal rounding, so 0.1·3 prints as 0.3 and not 0.30000000000000004
                double value = Math.Round(m * Math.Pow(10, exponent), Math.Clamp(2 - exponent, 0, 15));
                if (value >= min * (1 - 1e-9) && value <= max * (1 + 1e-9)) values.Add(value);
            }
        return values;
    }
}
