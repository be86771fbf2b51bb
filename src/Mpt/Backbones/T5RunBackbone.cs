using Mpt.Evaluation;
using Mpt.Model;
using Mpt.Peft;
using Mpt.Prompts;
using Mpt.Reports;
using Mpt.Tasks;
using Mpt.Tokenization;
using Mpt.Training;

namespace Mpt.Backbones;

/// <summary>
/// A Hugging Face T5 folder as a run backbone: prompts in front of the encoder (<see cref="PromptedT5"/>), targets as
/// text, scored by <see cref="Evaluator"/> (greedy generation, or rank classification, then the task's metrics).
/// Every task runs on T5, free text included.
/// </summary>
public sealed class T5RunBackbone : IRunBackbone
{
    private readonly EvaluationOptionsFactory _evaluation;
    private readonly int _maxTargetTokens;
    private readonly Lazy<T5Tokenizer> _tokenizer;
    private ModelFingerprint? _fingerprint;

    /// <summary>The evaluation options for a maximum input length (from the run's <c>evaluate</c> section).</summary>
    public delegate EvaluationOptions EvaluationOptionsFactory(int maxSourceLength);

    /// <summary>Wraps a loaded T5 (owned: disposed with this) and its tokenizer, loaded when first needed (exporting a
    /// prompt needs none).</summary>
    /// <param name="name">model.path as given (PEFT's base_model_name_or_path).</param>
    /// <param name="model">The T5.</param>
    /// <param name="tokenizer">Loads its tokenizer.</param>
    /// <param name="evaluation">Evaluation options per maximum input length.</param>
    /// <param name="maxTargetTokens">Longest free-text target in tokens (<c>evaluate.max_new_tokens</c>).</param>
    public T5RunBackbone(string name, T5ForConditionalGeneration model, Func<T5Tokenizer> tokenizer, EvaluationOptionsFactory evaluation, int maxTargetTokens)
    {
        Name = name;
        Model = model;
        _tokenizer = new Lazy<T5Tokenizer>(tokenizer);
        _evaluation = evaluation;
        _maxTargetTokens = maxTargetTokens;
    }

    /// <summary>The T5.</summary>
    public T5ForConditionalGeneration Model { get; }

    /// <summary>Its tokenizer.</summary>
    public T5Tokenizer Tokenizer => _tokenizer.Value;

    /// <inheritdoc/>
    public string Kind => "T5";

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public ModelFingerprint Fingerprint => _fingerprint ??= ModelFingerprint.Compute(Model);

    /// <inheritdoc/>
    public void EnsureSupports(TaskDefinition task) { }

    /// <inheritdoc/>
    public IBackboneTaskSet ForTasks(IReadOnlyList<TaskDefinition> tasks) => new TaskSet(this, tasks);

    /// <inheritdoc/>
    public PeftAdapterConfig AdapterConfig(PromptEncoder encoder) =>
        PeftAdapterConfig.ForEncoder(encoder, Model.Config) with { BaseModelNameOrPath = Name };

    /// <inheritdoc/>
    public ModelSummary Summary() =>
        new(Name, Fingerprint.Architecture.ToString(), Fingerprint.WeightsSha256, Model.parameters().Sum(p => p.numel()));

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();

    private sealed class TaskSet(T5RunBackbone owner, IReadOnlyList<TaskDefinition> tasks) : IBackboneTaskSet
    {
        public IReadOnlyList<TaskDefinition> Tasks { get; } = tasks;

        public IPromptBackbone PromptBackbone { get; } = new T5PromptBackbone(owner.Model);

        public IReadOnlyList<TrainingExample> Examples(IReadOnlyList<TextToTextRow> rows, int taskId, int maxSourceLength) =>
            Pipeline.TaskDataLoader.Tokenize(Tasks[taskId], rows, owner.Tokenizer, maxSourceLength, taskId, owner._maxTargetTokens);

        public TaskEvaluationResult Evaluate(IPromptedModel model, int taskId, IReadOnlyList<TextToTextRow> rows, int maxSourceLength)
        {
            var prompted = model as PromptedT5
                ?? throw new ArgumentException($"a T5 task set scores prompted T5 models, not {model.GetType().Name}.", nameof(model));
            return new Evaluator(EvaluationModel.WithPrompt(prompted, taskId), owner.Tokenizer, owner._evaluation(maxSourceLength))
                .Evaluate(Tasks[taskId], rows);
        }

        public TaskEvaluationResult EvaluateWithoutPrompt(int taskId, IReadOnlyList<TextToTextRow> rows, int maxSourceLength) =>
            new Evaluator(EvaluationModel.Plain(owner.Model), owner.Tokenizer, owner._evaluation(maxSourceLength)).Evaluate(Tasks[taskId], rows);

        public void Dispose() { }
    }
}
