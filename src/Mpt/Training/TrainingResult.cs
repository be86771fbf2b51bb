namespace Mpt.Training;

/// <summary>Outcome of a <see cref="TrainingLoop"/> run.</summary>
/// <param name="StepsDone">Optimizer updates done, counting those before a resume.</param>
/// <param name="TotalSteps">Planned updates.</param>
/// <param name="Interrupted">True when <see cref="TrainingHooks.StopAfterStep"/> stopped the run early.</param>
/// <param name="ResumedFromStep">The checkpoint step the run continued from, or null for a fresh run.</param>
/// <param name="BestScore">Best dev score, or null without evaluation.</param>
/// <param name="BestStep">Step of the best dev score.</param>
/// <param name="StepLosses">Total loss of every step run in this process, in order (index 0 = step ResumedFromStep + 1).</param>
/// <param name="Parameters">Parameter accounting of the trained prompt.</param>
/// <param name="MeanStepMilliseconds">Mean wall time of a step in this process.</param>
public sealed record TrainingResult(long StepsDone, long TotalSteps, bool Interrupted, long? ResumedFromStep, double? BestScore,
    long? BestStep, IReadOnlyList<double> StepLosses, ParameterReport Parameters, double MeanStepMilliseconds)
{
    /// <summary>Mean loss of the first <paramref name="n"/> recorded steps.</summary>
    public double MeanLossOfFirst(int n) => StepLosses.Take(n).Average();

    /// <summary>Mean loss of the last <paramref name="n"/> recorded steps.</summary>
    public double MeanLossOfLast(int n) => StepLosses.Skip(Math.Max(0, StepLosses.Count - n)).Average();
}
