using Mpt.Data;

namespace Mpt.Metrics;

/// <summary>
/// Pearson and Spearman correlation as scipy 1.10 computes them (<c>scipy.stats.pearsonr</c>, <c>spearmanr</c>
/// with average ranks for ties), plus ATTEMPT's <c>string_to_float</c> reading of decoded strings.
/// Both return NaN where scipy does (constant input, NaN in the input); callers decide what NaN means.
/// </summary>
public static class Correlation
{
    /// <summary>ATTEMPT <c>string_to_float</c>: Python <c>float(s)</c>, or -1.0 when Python would raise.</summary>
    public static double StringToFloat(string s) => PythonText.TryParseFloat(s, out double v) ? v : -1.0;

    /// <summary>Pearson r of two equally long samples (n ≥ 2); NaN when either is constant or holds NaN.</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        if (x.Any(double.IsNaN) || y.Any(double.IsNaN) || IsConstant(x) || IsConstant(y)) return double.NaN;
        int n = x.Count;
        double meanX = x.Average(), meanY = y.Average();
        double normX = 0, normY = 0;
        for (int i = 0; i < n; i++)
        {
            normX += (x[i] - meanX) * (x[i] - meanX);
            normY += (y[i] - meanY) * (y[i] - meanY);
        }
        normX = Math.Sqrt(normX);
        normY = Math.Sqrt(normY);
        // scipy: r = dot(xm / |xm|, ym / |ym|), clipped to [-1, 1] against rounding.
        double r = 0;
        for (int i = 0; i < n; i++) r += (x[i] - meanX) / normX * ((y[i] - meanY) / normY);
        return Math.Clamp(r, -1.0, 1.0);
    }

    /// <summary>Spearman rho: Pearson r of the average ranks; NaN when either sample is constant or holds NaN.</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        if (x.Any(double.IsNaN) || y.Any(double.IsNaN)) return double.NaN;
        return Pearson(AverageRanks(x), AverageRanks(y));
    }

    /// <summary>1-based ranks; tied values share the mean of the ranks they span (scipy rankdata "average").</summary>
    public static double[] AverageRanks(IReadOnlyList<double> values)
    {
        int n = values.Count;
        int[] order = Enumerable.Range(0, n).OrderBy(i => values[i]).ThenBy(i => i).ToArray();
        var ranks = new double[n];
        for (int start = 0; start < n;)
        {
            int end = start;
            while (end + 1 < n && values[order[end + 1]] == values[order[start]]) end++;
            double rank = (start + end) / 2.0 + 1.0;
            for (int k = start; k <= end; k++) ranks[order[k]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    private static bool IsConstant(IReadOnlyList<double> v) => v.All(a => a == v[0]);

    private static void Check(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count)
            throw new ArgumentException($"correlation: samples differ in length ({x.Count} vs {y.Count}).");
        if (x.Count < 2)
            throw new ArgumentException($"correlation: needs at least 2 pairs, got {x.Count}.");
    }
}
