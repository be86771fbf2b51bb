namespace Mpt.Training;

/// <summary>
/// One logged training step, or the evaluation of the initial prompt before any update (<see cref="IsInitial"/>: step 0,
/// no loss, no learning rates; logged when the run scores step 0 on dev, see <see cref="TrainingLoopOptions.SelectStepZero"/>).
/// </summary>
/// <param name="Step">Optimizer updates done (1-based after the first update; 0 for the initial evaluation).</param>
/// <param name="TotalSteps">Planned updates.</param>
/// <param name="Loss">Total loss of the step's batch; null at step 0, where no batch was trained.</param>
/// <param name="Parts">Loss components by name.</param>
/// <param name="LearningRates">Learning rate used by each trained group in this step.</param>
/// <param name="DevScore">Dev score computed after this step, if it was an evaluation step.</param>
/// <param name="StepMilliseconds">Wall time of the step (forward, backward, update); 0 at step 0.</param>
public sealed record TrainingLogEntry(long Step, long TotalSteps, double? Loss, IReadOnlyDictionary<string, double> Parts,
    IReadOnlyDictionary<string, double> LearningRates, double? DevScore, double StepMilliseconds)
{
    /// <summary>The dev evaluation of the initial prompt, before the first update.</summary>
    public bool IsInitial => Loss is null;

    /// <summary>The entry of the initial prompt's dev score <paramref name="devScore"/> in a run of <paramref name="totalSteps"/> updates.</summary>
    public static TrainingLogEntry Initial(long totalSteps, double devScore) =>
        new(0, totalSteps, null, new Dictionary<string, double>(), new Dictionary<string, double>(), devScore, 0);

    /// <inheritdoc/>
    public override string ToString() =>
        $"step {Step}/{TotalSteps}" + (Loss is { } loss ? $" loss {loss:F4}" : "") +
        string.Concat(Parts.Select(p => $" {p.Key} {p.Value:F4}")) +
        string.Concat(LearningRates.Select(p => $" lr[{p.Key}] {p.Value:G4}")) +
        (DevScore is { } d ? $" dev {d:F4}" : "") + (IsInitial ? " (before the first update)" : $" ({StepMilliseconds:F1} ms)");
}
