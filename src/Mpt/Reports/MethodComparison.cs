namespace Mpt.Reports;

/// <summary>
/// The paired comparison of two methods on one target (an entry of <c>results.json</c>'s <c>comparisons</c>):
/// <code>{"a": "mpt", "b": "pt", "mean": 1.2, "low": -0.8, "high": 3.1, "resamples": 10000, "confidence": 0.95, "seeds": 3, "examples": 200, "distinguishable": false}</code>
/// The difference A − B of the test scores (percentage points, the scale of <see cref="MethodResult.Mean"/>) with its
/// paired bootstrap interval over seeds and test examples (<see cref="Metrics.PairedBootstrap"/>, docs/statistics.md).
/// </summary>
/// <param name="A">Results key of the first method.</param>
/// <param name="B">Results key of the method subtracted.</param>
/// <param name="Mean">Observed difference: A's mean over seeds minus B's.</param>
/// <param name="Low">Lower end of the interval.</param>
/// <param name="High">Upper end of the interval.</param>
/// <param name="Resamples">Bootstrap resamples behind the interval.</param>
/// <param name="Confidence">Coverage of the interval (0.95).</param>
/// <param name="Seeds">Seed pairs resampled.</param>
/// <param name="Examples">Test units resampled (examples; questions for MultiRC and ReCoRD).</param>
public sealed record MethodComparison(string A, string B, double Mean, double Low, double High, int Resamples, double Confidence, int Seeds, int Examples)
{
    /// <summary>Key of a comparison in <c>results.json</c>: <c>A-B</c>, e.g. <c>mpt-pt</c> (the fields <see cref="A"/> and <see cref="B"/> are unambiguous).</summary>
    public static string Key(string a, string b) => $"{a}-{b}";

    /// <summary>Whether 0 lies outside [<see cref="Low"/>, <see cref="High"/>]: the difference is distinguishable from seed and test-sample noise.</summary>
    public bool Distinguishable => Low > 0 || High < 0;
}
