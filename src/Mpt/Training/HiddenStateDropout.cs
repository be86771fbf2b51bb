namespace Mpt.Training;

/// <summary>
/// Which student hidden states the hidden-state loss (paper Eq. 4) compares with the teacher's when the backbone's
/// dropout is on for the student (the default, as in HF/PEFT prompt tuning). The teacher pass always runs without
/// dropout, so its states are a deterministic target (and can be cached, <see cref="TeacherOutputCache"/>).
/// </summary>
/// <remarks>
/// Why it matters: with inverted dropout of rate p, E‖dropout(x) − y‖² = ‖x − y‖² + p/(1−p)‖x‖², minimised at
/// x = (1 − p) y. HF's T5 stacks return <c>dropout(final_layer_norm(h))</c> as their last hidden state, so comparing the
/// student's states of its dropout pass with the teacher's clean ones pulls the student towards (1 − p) × the teacher's
/// final states and never reaches zero, even when the student's prompt equals the teacher's. Dropout inside the blocks
/// (and, for the post-norm BERT encoder, before each layer's final LayerNorm) adds the same kind of one-sided noise.
/// The paper does not say how dropout enters Eq. 4 (docs/decisions.md, row 16a; config key
/// <c>distill.hidden_state_dropout</c>). <see cref="OneSided"/> is what runs made before the option existed did, so
/// recorded settings leave it out (<see cref="Serialization.LegacyValueAttribute"/>).
/// </remarks>
public enum HiddenStateDropout
{
    /// <summary>
    /// The student's hidden states from its training pass (dropout on), against the clean teacher: one pass, but the
    /// loss is biased as described above. The behaviour before this option existed.
    /// </summary>
    OneSided = 0,

    /// <summary>
    /// Mpt's default: the hidden-state term uses a second, dropout-free student pass with the same prompt (gradients flow
    /// through it), so both sides are clean and the term is Eq. 4 of the deterministic network: exactly 0 when the
    /// student's prompt equals the teacher's. The task loss and the logit KL still use the dropout pass. Costs one more
    /// student forward and backward per step; skipped when the backbone dropout is off (the training pass is then clean).
    /// </summary>
    CleanStudentPass = 1,
}
