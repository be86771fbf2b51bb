namespace Mpt.Training;

/// <summary>One logged training step.</summary>
/// <param name="Step">Optimizer updates done (1-based after the first update).</param>
/// <param name="TotalSteps">Planned updates.</param>
/// <param name="Loss">Total loss of the step's batch.</param>
/// <param name="Parts">Loss components by name.</param>
/// <param name="LearningRates">Learning rate used by each trained group in this step.</param>
/// <param name="DevScore">Dev score computed after this step, if it was an evaluation step.</param>
/// <param name="StepMilliseconds">Wall time of the step (forward, backward, update).</param>
public sealed record TrainingLogEntry(long Step, long TotalSteps, double Loss, IReadOnlyDictionary<string, double> Parts,
    IReadOnlyDictionary<string, double> LearningRates, double? DevScore, double StepMilliseconds)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"step {Step}/{TotalSteps} loss {Loss:F4}" +
        string.Concat(Parts.Select(p => $" {p.Key} {p.Value:F4}")) +
        string.Concat(LearningRates.Select(p => $" lr[{p.Key}] {p.Value:G4}")) +
        (DevScore is { } d ? $" dev {d:F4}" : "") + $" ({StepMilliseconds:F1} ms)";
}
