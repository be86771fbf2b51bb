using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Encoder;

/// <summary>
/// A frozen BERT encoder plus the label descriptions of the tasks one stage trains on, as an <see cref="IPromptBackbone"/>:
/// the trainers build <see cref="PromptedEncoder"/>s from it. The label embeddings are computed once here
/// (<see cref="SimilarityVerbalizer.Create"/>) and shared by every prompt of the stage — the teachers, the distilled
/// student, the target prompts — so create one per set of tasks (e.g. one for the sources, one per target).
/// </summary>
public sealed class EncoderPromptBackbone : IPromptBackbone, IDisposable
{
    private readonly Tensor _vocabularyRows;

    /// <summary>Freezes <paramref name="model"/> and embeds the label descriptions.</summary>
    /// <param name="model">The encoder (e.g. all-MiniLM-L6-v2 from <see cref="BertModel.FromOnnxFile"/>).</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="labelDescriptionsByTask">Task id k → the descriptions of its labels (label c at index c).</param>
    /// <param name="options">Temperature, pooling, init range (defaults: docs/data.md's reference run).</param>
    public EncoderPromptBackbone(BertModel model, IEncoderTokenizer tokenizer, IReadOnlyList<IReadOnlyList<string>> labelDescriptionsByTask,
        EncoderPromptOptions? options = null)
    {
        Options = options ?? new EncoderPromptOptions();
        if (Options.VocabularyInitFirstId < 0 || Options.VocabularyInitFirstId >= model.Config.VocabSize)
            throw new ArgumentOutOfRangeException(nameof(options), $"VocabularyInitFirstId {Options.VocabularyInitFirstId} is outside the vocabulary [0, {model.Config.VocabSize - 1}].");
        Model = model;
        Tokenizer = tokenizer;
        model.Freeze();
        Verbalizer = SimilarityVerbalizer.Create(model, tokenizer, labelDescriptionsByTask, Options.Temperature, Options.LabelMaxLength);
        var words = model.named_parameters().Single(p => p.name == "embeddings.word_embeddings.weight").parameter;
        // The scope frees the intermediate detached handle; only the narrowed view is kept (and disposed in Dispose).
        using (NewDisposeScope())
            _vocabularyRows = words.detach().narrow(0, Options.VocabularyInitFirstId, model.Config.VocabSize - Options.VocabularyInitFirstId).DetachFromDisposeScope();
    }

    /// <summary>The frozen encoder.</summary>
    public BertModel Model { get; }

    /// <summary>Its tokenizer.</summary>
    public IEncoderTokenizer Tokenizer { get; }

    /// <summary>The label scorer of this stage's tasks.</summary>
    public SimilarityVerbalizer Verbalizer { get; }

    /// <summary>The options.</summary>
    public EncoderPromptOptions Options { get; }

    /// <inheritdoc/>
    public int HiddenSize => Model.Config.HiddenSize;

    /// <summary>Word-embedding rows from <see cref="EncoderPromptOptions.VocabularyInitFirstId"/> on (a view of the frozen table).</summary>
    public Tensor VocabularyEmbeddings => _vocabularyRows;

    /// <inheritdoc/>
    public IPromptedModel WithPrompt(PromptEncoder prompt) =>
        new PromptedEncoder(Model, prompt, Verbalizer, Tokenizer.PadTokenId, Options.PoolPromptPositions);

    /// <summary>Releases the label embeddings (the model is the caller's).</summary>
    public void Dispose()
    {
        Verbalizer.Dispose();
        _vocabularyRows.Dispose();
    }
}
