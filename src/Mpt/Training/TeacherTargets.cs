using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// What the distillation losses take from the teacher pass (paper Eqs. 3-4): its output scores and, for the
/// hidden-state loss, its hidden-state stacks, laid out like the student's <see cref="PromptedOutput"/> of the same batch.
/// Either a fresh teacher forward (<see cref="FromOutput"/>) or rows re-assembled by <see cref="TeacherOutputCache"/>.
/// </summary>
/// <param name="Logits">[B, T, V] teacher scores (treated as constants); only the student's target positions are read. Null when <paramref name="TopK"/> is set.</param>
/// <param name="HiddenStates">The teacher's stacks, or null when the objective has no hidden-state term.</param>
/// <param name="TopK">The teacher's distribution as top-k plus a lumped tail (a top-k cache), compared by <see cref="DistillationLosses.LumpedLogitKl"/>; null for full scores.</param>
public sealed record TeacherTargets(Tensor? Logits, IReadOnlyList<HiddenStateStack>? HiddenStates, TeacherTopK? TopK = null)
{
    /// <summary>The targets of a fresh teacher forward pass.</summary>
    public static TeacherTargets FromOutput(PromptedOutput output) => new(output.Logits, output.HiddenStates);

    /// <summary>
    /// The KL term of Eq. (3) between these targets and the student's <paramref name="studentLogits"/>: exact over the
    /// vocabulary for full scores (<see cref="DistillationLosses.LogitKl"/>), over the top-k set and the lumped tail for
    /// a top-k summary (<see cref="DistillationLosses.LumpedLogitKl"/>).
    /// </summary>
    public Tensor Kl(Tensor studentLogits, Tensor mask, double temperature, LossReduction reduction, bool scaleByTemperatureSquared) =>
        TopK is { } topK
            ? DistillationLosses.LumpedLogitKl(topK, studentLogits, mask, temperature, reduction, scaleByTemperatureSquared)
            : DistillationLosses.LogitKl(Logits ?? throw new InvalidOperationException("teacher targets without scores or a top-k summary."),
                studentLogits, mask, temperature, reduction, scaleByTemperatureSquared);
}
