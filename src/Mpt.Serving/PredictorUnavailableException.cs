namespace Mpt.Serving;

/// <summary>The predictor is not warmed up yet, or is stopping.</summary>
public sealed class PredictorUnavailableException(string message) : InvalidOperationException(message);
