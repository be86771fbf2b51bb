using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// What the distillation losses take from the teacher pass (paper Eqs. 3-4): its output scores and, for the
/// hidden-state loss, its hidden-state stacks, laid out like the student's <see cref="PromptedOutput"/> of the same batch.
/// Either a fresh teacher forward (<see cref="FromOutput"/>) or rows re-assembled by <see cref="TeacherOutputCache"/>.
/// </summary>
/// <param name="Logits">[B, T, V] teacher scores (treated as constants); only the student's target positions are read.</param>
/// <param name="HiddenStates">The teacher's stacks, or null when the objective has no hidden-state term.</param>
public sealed record TeacherTargets(Tensor Logits, IReadOnlyList<HiddenStateStack>? HiddenStates)
{
    /// <summary>The targets of a fresh teacher forward pass.</summary>
    public static TeacherTargets FromOutput(PromptedOutput output) => new(output.Logits, output.HiddenStates);
}
