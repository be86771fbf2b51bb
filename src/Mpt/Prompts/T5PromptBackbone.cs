using Mpt.Model;
using Mpt.Training;
using static TorchSharp.torch;

namespace Mpt.Prompts;

/// <summary>
/// A frozen T5 as an <see cref="IPromptBackbone"/>: prompts are d_model wide, the vocabulary init samples rows of
/// <c>shared.weight</c> (the first 5000 ids, ATTEMPT's recipe), and <see cref="WithPrompt"/> builds a <see cref="PromptedT5"/>.
/// </summary>
public sealed class T5PromptBackbone : IPromptBackbone
{
    /// <summary>Wraps <paramref name="model"/> (frozen by the first <see cref="WithPrompt"/>).</summary>
    public T5PromptBackbone(T5ForConditionalGeneration model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
    }

    /// <summary>The T5.</summary>
    public T5ForConditionalGeneration Model { get; }

    /// <inheritdoc/>
    public int HiddenSize => Model.Config.DModel;

    /// <inheritdoc/>
    public Tensor VocabularyEmbeddings => Model.SharedWeight;

    /// <inheritdoc/>
    public IPromptedModel WithPrompt(PromptEncoder prompt) => new PromptedT5(Model, prompt);
}
