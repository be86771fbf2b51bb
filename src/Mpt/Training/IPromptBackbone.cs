using Mpt.Prompts;
using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// A frozen pre-trained model that prompts can be trained for: what the stage trainers are built on. It knows the prompt
/// width, the embedding rows a vocabulary-sampled init draws from, and how to put a prompt in front of itself.
/// Implementations: <see cref="T5PromptBackbone"/>, <see cref="Mpt.Encoder.EncoderPromptBackbone"/>.
/// </summary>
public interface IPromptBackbone
{
    /// <summary>Width d of a prompt row (the model's hidden size).</summary>
    int HiddenSize { get; }

    /// <summary>
    /// The token-embedding rows [N, d] a sampled-vocabulary init draws from, in the backbone's order (the init takes the
    /// first <see cref="PromptInit.DefaultVocabularyPool"/> rows). A view of frozen weights; do not modify or dispose.
    /// </summary>
    Tensor VocabularyEmbeddings { get; }

    /// <summary>The backbone with <paramref name="prompt"/> in front (the backbone is frozen; the prompt trains).</summary>
    IPromptedModel WithPrompt(PromptEncoder prompt);
}
