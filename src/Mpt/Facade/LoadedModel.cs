using Mpt.Backbones;
using Mpt.Evaluation;
using Mpt.Model;
using Mpt.Peft;
using Mpt.Pipeline;
using Mpt.Prompts;
using Mpt.Tasks;
using Mpt.Training;

namespace Mpt;

/// <summary>
/// The run backbone (<see cref="RunBackbones.Load"/>, the one loader of <c>minilm</c>, T5 and BERT folders) the facade
/// trains prompts for and predicts with, shared by a <see cref="PromptTuner"/> and every <see cref="PromptedModel"/> it
/// returns (reference counted: the weights go when the last of them is disposed). Examples, dev scores and adapters all
/// go through the backbone, as in <c>mpt run</c>; only the read-out of a prediction differs per family.
/// </summary>
internal sealed class LoadedModel
{
    private int _references = 1;

    private LoadedModel(string source, IRunBackbone backbone, BackboneKind kind)
    {
        Source = source;
        Backbone = backbone;
        Kind = PromptTask.Family(kind);
    }

    /// <summary>What <see cref="PromptTuner.Open"/> was given (<c>minilm</c> or a folder).</summary>
    public string Source { get; }

    /// <summary>The model family recorded in <c>mpt_task.json</c>: <c>minilm</c>, <c>bert</c> or <c>t5</c>.</summary>
    public string Kind { get; }

    /// <summary>The backbone.</summary>
    public IRunBackbone Backbone { get; }

    /// <summary>Whether the model can only classify (an encoder needs the labels and their descriptions).</summary>
    public bool IsClassifier => Backbone is EncoderRunBackbone;

    /// <summary>Loads <paramref name="model"/>: <c>minilm</c>, a Hugging Face T5 folder or a Hugging Face BERT folder.</summary>
    /// <exception cref="DirectoryNotFoundException">Neither <c>minilm</c> nor an existing folder (what is supported is named).</exception>
    /// <exception cref="InvalidDataException">The folder holds no supported model (its config.json is named).</exception>
    /// <exception cref="ConfigException">The folder's files do not make a model (the file is named).</exception>
    public static LoadedModel Load(string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        var kind = BackboneFolder.Detect(model).Kind; // the library's exceptions; RunBackbones.Load detects the same kind again
        return new LoadedModel(model, RunBackbones.Load(new ModelConfig { Path = model }, new EvaluateConfig(), "model"), kind);
    }

    /// <summary>Examples, scorer and prompt backbone for <paramref name="tasks"/> (task id k = index k); dispose it.</summary>
    public IBackboneTaskSet ForTasks(IReadOnlyList<PromptTask> tasks) => Backbone.ForTasks(tasks.Select(t => t.Definition()).ToList());

    /// <summary>Predictions of <paramref name="prompt"/>'s task <paramref name="taskId"/> for <paramref name="inputs"/>.</summary>
    public IReadOnlyList<Prediction> Predict(IBackboneTaskSet set, PromptEncoder prompt, PromptTask task, int taskId,
        IReadOnlyList<string> inputs, int maxInputLength, int batchSize)
    {
        var model = set.PromptBackbone.WithPrompt(prompt);
        // The label of an input to predict is unknown: the first label only fills the row's target.
        var rows = inputs.Select(text => task.Row(text, task.Labels.Count > 0 ? task.Labels[0] : "")).ToList();
        return set switch
        {
            EncoderRunBackbone.TaskSet encoder => encoder.LabelScores(model, taskId, rows, maxInputLength)
                .Select(s => Probabilities(s.Select(v => (double)v).ToArray(), task.Labels)).Select(p => new Prediction(p.MaxBy(kv => kv.Value).Key, p)).ToList(),
            _ => PredictT5((PromptedT5)model, task, taskId, inputs, maxInputLength, batchSize),
        };
    }

    private List<Prediction> PredictT5(PromptedT5 model, PromptTask task, int taskId, IReadOnlyList<string> inputs, int maxInputLength, int batchSize)
    {
        var tokenizer = ((T5RunBackbone)Backbone).Tokenizer;
        var options = new EvaluationOptions { BatchSize = batchSize, MaxSourceLength = maxInputLength };
        var evaluator = new Evaluator(EvaluationModel.WithPrompt(model, taskId), tokenizer, options);
        bool classifies = task.Labels.Count > 0;
        int newTokens = classifies ? T5FeatureConverter.LongestLabelLength(tokenizer, task.Labels) + options.LabelMargin : options.FreeTextMaxNewTokens;
        inputs = inputs.Select(task.Source).ToList(); // as in training: with the recorded task prefix, if any
        var generated = evaluator.Generate(inputs, newTokens);
        if (!classifies) return generated.Select(text => new Prediction(text, new Dictionary<string, double>())).ToList();
        // Rank classification: the log-likelihood of each label text, as probabilities over the labels.
        var logLikelihoods = evaluator.RankScores(inputs, task.Labels);
        return generated.Select((text, i) =>
            new Prediction(text, Probabilities(Enumerable.Range(0, task.Labels.Count).Select(c => logLikelihoods[i, c]).ToArray(), task.Labels))).ToList();
    }

    /// <summary>Writes <paramref name="prompt"/> as a PEFT adapter with the model's fingerprint (<c>mpt_model.json</c>), as <c>mpt run</c> does.</summary>
    public void SaveAdapter(string folder, PromptEncoder prompt) =>
        PeftAdapter.Save(folder, Backbone.AdapterConfig(prompt), prompt, Backbone.Fingerprint);

    /// <summary>Reads a PEFT adapter folder, refusing one whose recorded fingerprint is another model's.</summary>
    /// <exception cref="ModelMismatchException">The adapter was saved for another model.</exception>
    public PromptEncoder LoadAdapter(string folder) => PeftAdapter.Load(folder, Backbone.Fingerprint).Encoder;

    /// <summary>Adds a user of the weights.</summary>
    public LoadedModel AddReference()
    {
        if (Interlocked.Increment(ref _references) <= 1) throw new ObjectDisposedException(nameof(LoadedModel));
        return this;
    }

    /// <summary>Removes a user; the last one frees the weights.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0) Backbone.Dispose();
    }

    /// <summary>Softmax of per-label scores (an encoder's cosine / τ, T5's log-likelihoods), keyed by label.</summary>
    private static Dictionary<string, double> Probabilities(double[] scores, IReadOnlyList<string> labels)
    {
        double max = scores.Take(labels.Count).Max();
        var exp = scores.Take(labels.Count).Select(s => Math.Exp(s - max)).ToList();
        double sum = exp.Sum();
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int c = 0; c < labels.Count; c++) result[labels[c]] = exp[c] / sum;
        return result;
    }
}
