using Mpt.Evaluation;
using Mpt.Model;
using Mpt.Peft;
using Mpt.Prompts;
using Mpt.Tokenization;
using Mpt.Training;

namespace Mpt;

/// <summary>
/// A Hugging Face T5 folder as a facade model: the prompt learns to generate the label text (paper §3, text-to-text);
/// predictions are the greedy generation plus rank-classification probabilities over the task's labels.
/// </summary>
internal sealed class T5Model : LoadedModel
{
    private readonly T5ForConditionalGeneration _model;
    private readonly T5Tokenizer _tokenizer;
    private readonly string _folder;

    private T5Model(string folder, T5ForConditionalGeneration model, T5Tokenizer tokenizer)
    {
        _folder = folder;
        _model = model;
        _tokenizer = tokenizer;
    }

    /// <summary>Loads the model (strictly, eval mode) and its tokenizer from an HF T5 folder.</summary>
    public static T5Model Load(string folder)
    {
        var tokenizer = T5Tokenizer.FromFolder(folder);
        var model = T5ForConditionalGeneration.FromPretrained(folder);
        return new T5Model(Path.GetFullPath(folder), model, tokenizer);
    }

    public override string Source => _folder;

    public override string Kind => "t5";

    public override bool IsClassifier => false;

    public override IPromptBackbone CreateBackbone(IReadOnlyList<PromptTask> tasks) => new T5PromptBackbone(_model);

    public override IReadOnlyList<TrainingExample> Examples(PromptTask task, IEnumerable<(string Input, int Label)> rows, int taskId, int maxInputLength)
    {
        // Targets are cut to the longest label, as ATTEMPT's preprocessing cuts classification targets.
        var converter = new T5FeatureConverter(_tokenizer, maxInputLength, T5FeatureConverter.LongestLabelLength(_tokenizer, task.Labels));
        return rows.Select(r => new TrainingExample(converter.EncodeSource(r.Input), converter.EncodeTarget(task.Labels[r.Label]), taskId)).ToList();
    }

    public override IReadOnlyList<Prediction> Predict(IPromptBackbone backbone, PromptEncoder prompt, PromptTask task, int taskId,
        IReadOnlyList<string> inputs, int maxInputLength, int batchSize)
    {
        var prompted = (PromptedT5)backbone.WithPrompt(prompt);
        var options = new EvaluationOptions { BatchSize = batchSize, MaxSourceLength = maxInputLength };
        var evaluator = new Evaluator(EvaluationModel.WithPrompt(prompted, taskId), _tokenizer, options);
        bool classifies = task.Labels.Count > 0;
        int newTokens = classifies ? T5FeatureConverter.LongestLabelLength(_tokenizer, task.Labels) + options.LabelMargin : options.FreeTextMaxNewTokens;
        var generated = evaluator.Generate(inputs, newTokens);
        if (!classifies) return generated.Select(text => new Prediction(text, new Dictionary<string, double>())).ToList();
        var logLikelihoods = evaluator.RankScores(inputs, task.Labels);
        return generated.Select((text, i) => new Prediction(text, Softmax(logLikelihoods, i, task.Labels))).ToList();
    }

    public override void SaveAdapter(string folder, PromptEncoder prompt) => PeftAdapter.Save(folder, prompt, _model, _folder);

    public override PromptEncoder LoadAdapter(string folder) => PeftAdapter.Load(folder, _model).Encoder;

    protected override void DisposeModel() => _model.Dispose();

    private static Dictionary<string, double> Softmax(double[,] logLikelihoods, int row, IReadOnlyList<string> labels)
    {
        double max = Enumerable.Range(0, labels.Count).Max(c => logLikelihoods[row, c]);
        var exp = Enumerable.Range(0, labels.Count).Select(c => Math.Exp(logLikelihoods[row, c] - max)).ToList();
        double sum = exp.Sum();
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int c = 0; c < labels.Count; c++) scores[labels[c]] = exp[c] / sum;
        return scores;
    }
}
