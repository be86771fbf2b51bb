using Mpt.Prompts;
using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// A frozen backbone with a trainable prompt encoder in front of it — the one thing the trainers
/// (<see cref="TrainingLoop"/>, <see cref="TeacherTrainer"/>, <see cref="Distiller"/>, <see cref="TargetAdapter"/>) and
/// the objectives see, so none of them branches on the backbone type (a backbone switch would grow with each backbone).
/// Implemented by <see cref="PromptedT5"/> (generation) and <see cref="Mpt.Encoder.PromptedEncoder"/> (a BERT encoder
/// that classifies with a similarity verbaliser).
/// </summary>
/// <remarks>
/// A batch's task ids play two roles: they select the prompt of each row (a single-task prompt sees zeros, see
/// <see cref="PromptTuningObjective.StudentTaskIds"/>) and, for a classifier, the row's label set. All methods allocate
/// in the caller's dispose scope.
/// </remarks>
public interface IPromptedModel
{
    /// <summary>The trainable prompt encoder.</summary>
    PromptEncoder Prompt { get; }

    /// <summary>Number of prompt rows l placed in front of every input.</summary>
    int PromptLength { get; }

    /// <summary>Sets training mode for the prompt and the backbone (backbone dropout on while training).</summary>
    void Train(bool training = true);

    /// <summary>
    /// Training mode of the frozen backbone alone (dropout); the teacher pass switches it off for its call, and
    /// <see cref="TrainingLoopOptions.BackboneDropout"/> = false keeps it off.
    /// </summary>
    bool BackboneTraining { get; set; }

    /// <summary>The collator that turns this backbone's examples into batches.</summary>
    /// <param name="maxSourceLength">Longest input in tokens, prompt rows not counted.</param>
    IBatchCollator CreateCollator(int maxSourceLength);

    /// <summary>
    /// Forward pass with explicit prompt rows: row b's input is [prompts_b; embed(input_b)] (see the implementation for
    /// where the rows go). The student passes <c>Prompt.call(taskIds)</c>, the distillation teacher its own frozen rows.
    /// </summary>
    /// <param name="batch">The collated batch (its labels are the targets of the task loss).</param>
    /// <param name="prompts">[B, l, d] prompt rows (float32; cast to the backbone dtype inside).</param>
    /// <param name="outputHiddenStates">Return the hidden states for the hidden-state loss.</param>
    PromptedOutput ForwardWithPrompts(PromptBatch batch, Tensor prompts, bool outputHiddenStates);

    /// <summary>
    /// The targets the model predicts with its own prompt, one list per row in the form of
    /// <see cref="TrainingExample.LabelIds"/> (T5: the greedily generated ids up to and including eos; a classifier:
    /// the argmax label index), so exact match against the labels is the accuracy.
    /// </summary>
    /// <param name="batch">The collated batch.</param>
    /// <param name="maxNewTokens">Longest generation (generative backbones only; a classifier ignores it).</param>
    IReadOnlyList<long[]> Predict(PromptBatch batch, int maxNewTokens);
}
