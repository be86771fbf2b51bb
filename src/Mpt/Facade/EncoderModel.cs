using Mpt.Encoder;
using Mpt.Peft;
using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt;

/// <summary>
/// A BERT encoder as a facade model (<c>minilm</c>: all-MiniLM-L6-v2 from its NuGet package): a task's labels are scored
/// by the similarity verbaliser against their descriptions (<see cref="PromptedEncoder"/>).
/// </summary>
internal sealed class EncoderModel : LoadedModel
{
    /// <summary>The name <see cref="PromptTuner.Open"/> takes for the embedded encoder.</summary>
    public const string MiniLMName = "minilm";

    /// <summary>Hub id recorded as the adapters' base model.</summary>
    public const string MiniLMHubId = "sentence-transformers/all-MiniLM-L6-v2";

    // PEFT's task type for an encoder used for its pooled features (peft.TaskType.FEATURE_EXTRACTION).
    private const string FeatureExtractionTaskType = "FEATURE_EXTRACTION";

    private readonly BertModel _model;
    private readonly IEncoderTokenizer _tokenizer;

    private EncoderModel(BertModel model, IEncoderTokenizer tokenizer)
    {
        _model = model;
        _tokenizer = tokenizer;
    }

    /// <summary>Extracts (or reuses the verified cache of) all-MiniLM-L6-v2 and loads it, frozen, in eval mode.</summary>
    public static EncoderModel LoadMiniLM()
    {
        var files = MiniLMPackage.Extract();
        var model = BertModel.FromOnnxFile(files.ModelPath, BertConfig.AllMiniLmL6V2);
        model.Freeze();
        model.eval();
        return new EncoderModel(model, WordPieceTokenizer.FromVocabFile(files.VocabPath));
    }

    public override string Source => MiniLMName;

    public override string Kind => MiniLMName;

    public override bool IsClassifier => true;

    public override IPromptBackbone CreateBackbone(IReadOnlyList<PromptTask> tasks) =>
        new EncoderPromptBackbone(_model, _tokenizer, tasks.Select(t => t.Descriptions).ToList());

    public override IReadOnlyList<TrainingExample> Examples(PromptTask task, IEnumerable<(string Input, int Label)> rows, int taskId, int maxInputLength) =>
        rows.Select(r => EncoderTrainingExamples.Create(_tokenizer, r.Input, null, r.Label, taskId, maxInputLength)).ToList();

    public override IReadOnlyList<Prediction> Predict(IPromptBackbone backbone, PromptEncoder prompt, PromptTask task, int taskId,
        IReadOnlyList<string> inputs, int maxInputLength, int batchSize)
    {
        var model = (PromptedEncoder)backbone.WithPrompt(prompt);
        model.Train(false);
        var collator = model.CreateCollator(maxInputLength);
        var predictions = new List<Prediction>(inputs.Count);
        using var noGrad = torch.no_grad();
        foreach (var chunk in inputs.Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            // The label of an input to predict is unknown; class 0 only fills the batch's label column.
            var batch = collator.Collate(Examples(task, chunk.Select(text => (text, 0)), taskId, maxInputLength));
            var rows = prompt.call(PromptTuningObjective.StudentTaskIds(prompt, batch));
            var probabilities = model.Score(batch, rows).Scores.softmax(-1).cpu();
            int labels = task.Labels.Count;
            float[] values = probabilities.data<float>().ToArray();
            int width = (int)probabilities.shape[1];
            for (int b = 0; b < chunk.Length; b++)
            {
                var scores = new Dictionary<string, double>(StringComparer.Ordinal);
                for (int c = 0; c < labels; c++) scores[task.Labels[c]] = values[b * width + c];
                predictions.Add(new Prediction(scores.MaxBy(kv => kv.Value).Key, scores));
            }
        }
        return predictions;
    }

    public override void SaveAdapter(string folder, PromptEncoder prompt)
    {
        var config = new PeftAdapterConfig
        {
            PeftType = PeftAdapterConfig.PeftTypeOf(prompt),
            TaskType = FeatureExtractionTaskType,
            BaseModelNameOrPath = MiniLMHubId,
            NumVirtualTokens = prompt.NumVirtualTokens,
            TokenDim = prompt.TokenDim,
            NumTransformerSubmodules = 1,
            NumAttentionHeads = _model.Config.NumHeads,
            NumLayers = _model.Config.NumLayers,
            InferenceMode = true,
        };
        if (prompt is MultitaskPrompt m) config = config with { NumTasks = m.NumTasks, NumRanks = m.Rank };
        // No mpt_model.json: the model fingerprint covers T5 only so far; mpt_task.json names the backbone instead.
        PeftAdapter.Save(folder, config, prompt);
    }

    public override PromptEncoder LoadAdapter(string folder)
    {
        var loaded = PeftAdapter.Load(folder);
        if (loaded.Encoder.TokenDim != _model.Config.HiddenSize)
        {
            loaded.Encoder.Dispose();
            throw new ModelMismatchException(
                $"{folder}: the prompt has width {loaded.Config.TokenDim} but {MiniLMHubId} has hidden size {_model.Config.HiddenSize}: it was trained for another model.",
                overridable: false);
        }
        return loaded.Encoder;
    }

    protected override void DisposeModel() => _model.Dispose();
}
