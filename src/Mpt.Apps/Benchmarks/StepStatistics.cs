namespace Mpt.Benchmarks;

/// <summary>Summary of measured step times: median (the headline, robust to one disturbed step on a shared machine), min, max.</summary>
/// <param name="MedianMs">Median step time in ms (mean of the two middle values for an even count).</param>
/// <param name="MinMs">Fastest step.</param>
/// <param name="MaxMs">Slowest step.</param>
public sealed record StepStatistics(double MedianMs, double MinMs, double MaxMs)
{
    /// <summary>Summarises a non-empty list of times.</summary>
    /// <exception cref="ArgumentException">The list is empty.</exception>
    public static StepStatistics Of(IReadOnlyCollection<double> milliseconds)
    {
        if (milliseconds.Count == 0) throw new ArgumentException("no measured steps to summarise.", nameof(milliseconds));
        return new StepStatistics(Median(milliseconds), milliseconds.Min(), milliseconds.Max());
    }

    /// <summary>The median of a non-empty list (<see cref="Numerics.TimingSummary.MedianOf"/>).</summary>
    public static double Median(IReadOnlyCollection<double> values) => Numerics.TimingSummary.MedianOf(values);
}
