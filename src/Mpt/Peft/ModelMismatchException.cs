namespace Mpt.Peft;

/// <summary>
/// A prompt was made for another model than the one it is being used with. Prompts are not portable: a soft prompt is a
/// point in one model's embedding space and means nothing to other weights, and a wrong width cannot even be applied.
/// </summary>
public sealed class ModelMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What differs, naming both models.</param>
    /// <param name="overridable">
    /// True when an expert override (<see cref="PeftLoadOptions.AllowModelMismatch"/>) can load the prompt anyway (same
    /// shapes, different weights or architecture details); false when the shapes cannot fit (different d_model).
    /// </param>
    public ModelMismatchException(string message, bool overridable) : base(message) => Overridable = overridable;

    /// <summary>Whether <see cref="PeftLoadOptions.AllowModelMismatch"/> can override the refusal.</summary>
    public bool Overridable { get; }
}
