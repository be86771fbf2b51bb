namespace Mpt.Metrics;

/// <summary>
/// A difference of two methods' scores with its bootstrap percentile interval (<see cref="PairedBootstrap"/>), on the
/// scale of the scores (percentage points for the project's ×100 metrics).
/// </summary>
/// <param name="Mean">The observed difference A − B: the mean over seeds of A's test score minus that of B, on the full test set.</param>
/// <param name="Low">Lower end of the interval (the (1 − confidence)/2 quantile of the resampled differences).</param>
/// <param name="High">Upper end (the (1 + confidence)/2 quantile).</param>
/// <param name="Resamples">Resamples the interval is made of (those on which both scores are defined).</param>
/// <param name="Confidence">Coverage of the interval, e.g. 0.95.</param>
public sealed record BootstrapInterval(double Mean, double Low, double High, int Resamples, double Confidence)
{
    /// <summary>Whether 0 lies outside the interval, i.e. the resampling of seeds and test examples does not explain the difference away.</summary>
    public bool Distinguishable => Low > 0 || High < 0;
}
