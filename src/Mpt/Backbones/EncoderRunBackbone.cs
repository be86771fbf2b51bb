using Mpt.Encoder;
using Mpt.Evaluation;
using Mpt.Metrics;
using Mpt.Peft;
using Mpt.Pipeline;
using Mpt.Prompts;
using Mpt.Reports;
using Mpt.Tasks;
using Mpt.Tasks.Formatters;
using Mpt.Training;
using TorchSharp;

namespace Mpt.Backbones;

/// <summary>
/// A BERT-family encoder as a run backbone: prompts in front of the input embeddings (<see cref="PromptedEncoder"/>),
/// each input classified by cosine similarity to the embeddings of its task's label descriptions
/// (<see cref="SimilarityVerbalizer"/>). Only tasks with a fixed label set can run: an encoder has no decoder to write
/// free text. The input is the formatted row's source text; a row that carries a pair
/// (<see cref="Tasks.Formatters.LabelledTextFormatter"/>) is encoded as <c>[CLS] a [SEP] b [SEP]</c>.
/// </summary>
public sealed class EncoderRunBackbone : IRunBackbone
{
    private readonly bool _ownsModel;
    private ModelFingerprint? _fingerprint;

    /// <summary>Wraps a loaded encoder (frozen here) and its tokenizer.</summary>
    /// <param name="name">The name recorded for the model (base_model_name_or_path, results.json).</param>
    /// <param name="model">The encoder.</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="options">Verbaliser temperature, pooling, init range.</param>
    /// <param name="ownsModel">Dispose the model with this backbone.</param>
    public EncoderRunBackbone(string name, BertModel model, IEncoderTokenizer tokenizer, EncoderPromptOptions? options = null, bool ownsModel = true)
    {
        Name = name;
        Model = model;
        Tokenizer = tokenizer;
        Options = options ?? new EncoderPromptOptions();
        _ownsModel = ownsModel;
        model.Freeze();
    }

    /// <summary>The encoder.</summary>
    public BertModel Model { get; }

    /// <summary>Its tokenizer.</summary>
    public IEncoderTokenizer Tokenizer { get; }

    /// <summary>Verbaliser and prompt options.</summary>
    public EncoderPromptOptions Options { get; }

    /// <inheritdoc/>
    public string Kind => "BERT encoder";

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public ModelFingerprint Fingerprint => _fingerprint ??= ModelFingerprint.Compute(Model);

    /// <inheritdoc/>
    public void EnsureSupports(TaskDefinition task)
    {
        if (task.Labels is not { Count: > 0 })
            throw new ConfigException(
                $"task '{task.Name}' has free-text targets (no label set), which the {Kind} '{Name}' cannot produce: an encoder classifies " +
                "among fixed labels. Give the task 'labels' (and 'label_descriptions') in its task file, or run it on a T5 model.");
        if (task.Labels.Distinct(StringComparer.Ordinal).Count() != task.Labels.Count)
            throw new ConfigException($"task '{task.Name}' lists a label twice; the {Kind} '{Name}' needs distinct labels.");
    }

    /// <inheritdoc/>
    public IBackboneTaskSet ForTasks(IReadOnlyList<TaskDefinition> tasks)
    {
        foreach (var task in tasks) EnsureSupports(task);
        return new TaskSet(this, tasks);
    }

    /// <inheritdoc/>
    public PeftAdapterConfig AdapterConfig(PromptEncoder encoder) =>
        PeftAdapterConfig.ForBert(encoder, Model.Config) with { BaseModelNameOrPath = Name };

    /// <inheritdoc/>
    public ModelSummary Summary() =>
        new(Name, $"BERT encoder, {Model.Config.NumLayers} layers, d = {Model.Config.HiddenSize}, mean pooling, similarity verbaliser; {Fingerprint.Architecture}",
            Fingerprint.WeightsSha256, Model.parameters().Sum(p => p.numel()));

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsModel) Model.Dispose();
    }

    /// <summary>The encoder's examples, scoring and per-label scores for one set of tasks.</summary>
    public sealed class TaskSet : IBackboneTaskSet
    {
        private const int BatchSize = 64;
        private readonly EncoderRunBackbone _owner;
        private readonly EncoderPromptBackbone _backbone;

        internal TaskSet(EncoderRunBackbone owner, IReadOnlyList<TaskDefinition> tasks)
        {
            _owner = owner;
            Tasks = tasks;
            _backbone = new EncoderPromptBackbone(owner.Model, owner.Tokenizer, tasks.Select(t => t.DescribedLabels()).ToList(), owner.Options);
        }

        /// <inheritdoc/>
        public IReadOnlyList<TaskDefinition> Tasks { get; }

        /// <inheritdoc/>
        public IPromptBackbone PromptBackbone => _backbone;

        /// <inheritdoc/>
        public IReadOnlyList<TrainingExample> Examples(IReadOnlyList<TextToTextRow> rows, int taskId, int maxSourceLength)
        {
            var task = Tasks[taskId];
            var labels = task.Labels!;
            // One shared store per task's set: 2 bytes an id (issue 17 item 6, docs/performance.md).
            var store = new TokenIdStore(_owner.Tokenizer.VocabularySize, $"task '{task.Name}' examples");
            var examples = new List<TrainingExample>(rows.Count);
            foreach (var r in rows)
            {
                int label = IndexOf(labels, r.Target);
                if (label < 0)
                    throw new InvalidDataException($"task '{task.Name}': target '{r.Target}' is not one of its labels ({string.Join(", ", labels)}).");
                examples.Add(Example(r, label, taskId, maxSourceLength, store));
            }
            return examples;
        }

        /// <inheritdoc/>
        public TaskEvaluationResult Evaluate(IPromptedModel model, int taskId, IReadOnlyList<TextToTextRow> rows, int maxSourceLength) =>
            Result(taskId, rows, LabelScores(model, taskId, rows, maxSourceLength), "similarity");

        /// <inheritdoc/>
        public TaskEvaluationResult EvaluateWithoutPrompt(int taskId, IReadOnlyList<TextToTextRow> rows, int maxSourceLength) =>
            Result(taskId, rows, LabelScoresWithoutPrompt(taskId, rows, maxSourceLength), "similarity, no prompt");

        private TaskEvaluationResult Result(int taskId, IReadOnlyList<TextToTextRow> rows, IReadOnlyList<float[]> scores, string decoding)
        {
            var task = Tasks[taskId];
            var predictions = scores.Select(s => task.Labels![ZeroShotScores.ArgMax(s)]).ToList();
            var metrics = new Dictionary<string, double>(MetricSuite.Score(task, rows, predictions), StringComparer.Ordinal);
            // Every prediction is a label, so none is invalid; recorded as for T5 so the two backbones' results read alike.
            metrics[MetricNames.InvalidRate] = 0;
            return new TaskEvaluationResult(task.Name, rows.Count, metrics, 0, EvaluationReport.AverageOf(metrics), decoding,
                predictions, rows.Select(r => r.Target).ToList());
        }

        /// <summary>
        /// The verbaliser's score of every label of task <paramref name="taskId"/> for every row (cosine / τ, label order of
        /// <see cref="TaskDefinition.Labels"/>), with the model's own prompt; no gradients.
        /// </summary>
        public IReadOnlyList<float[]> LabelScores(IPromptedModel model, int taskId, IReadOnlyList<TextToTextRow> rows, int maxSourceLength)
        {
            var encoder = model as PromptedEncoder
                ?? throw new ArgumentException($"an encoder task set scores prompted encoders, not {model.GetType().Name}.", nameof(model));
            int count = Tasks[taskId].Labels!.Count;
            var examples = rows.Select(r => Example(r, 0, taskId, maxSourceLength)).ToList();
            model.Train(false);
            var collator = model.CreateCollator(maxSourceLength);
            var result = new List<float[]>(rows.Count);
            using var noGrad = torch.no_grad();
            foreach (var chunk in examples.Chunk(BatchSize))
            {
                using var scope = torch.NewDisposeScope();
                var batch = collator.Collate(chunk);
                var prompts = encoder.Prompt.call(PromptTuningObjective.StudentTaskIds(encoder.Prompt, batch));
                var scores = encoder.Score(batch, prompts).Scores.narrow(1, 0, count).to(torch.float32).cpu();
                for (int i = 0; i < chunk.Length; i++) result.Add(scores[i].data<float>().ToArray());
            }
            return result;
        }

        /// <summary>
        /// Label scores of the frozen encoder alone: its own mean-pooled sentence embedding of each row (no prompt rows,
        /// positions from 0 as in pretraining) against the label descriptions; no gradients.
        /// </summary>
        public IReadOnlyList<float[]> LabelScoresWithoutPrompt(int taskId, IReadOnlyList<TextToTextRow> rows, int maxSourceLength)
        {
            int count = Tasks[taskId].Labels!.Count;
            var examples = rows.Select(r => Example(r, 0, taskId, maxSourceLength)).ToList();
            return ZeroShotScores.Compute(_owner.Model, _backbone.Verbalizer, _owner.Tokenizer.PadTokenId, examples, BatchSize)
                .Select(s => s[..count]).ToList();
        }

        /// <inheritdoc/>
        public void Dispose() => _backbone.Dispose();

        private TrainingExample Example(TextToTextRow row, int label, int taskId, int maxSourceLength, TokenIdStore? store = null) =>
            row.ExtraFields.TryGetValue(LabelledTextFormatter.SecondText, out var second) && second is string b
                && row.ExtraFields.TryGetValue(LabelledTextFormatter.FirstText, out var first) && first is string a
                ? EncoderTrainingExamples.Create(_owner.Tokenizer, a, b, label, taskId, maxSourceLength, store)
                : EncoderTrainingExamples.Create(_owner.Tokenizer, row.Source, null, label, taskId, maxSourceLength, store);

        private static int IndexOf(IReadOnlyList<string> labels, string target)
        {
            for (int i = 0; i < labels.Count; i++)
                if (string.Equals(labels[i], target, StringComparison.Ordinal)) return i;
            return -1;
        }
    }
}
