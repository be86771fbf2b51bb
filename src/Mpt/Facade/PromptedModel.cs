using Mpt.Backbones;
using Mpt.Peft;
using Mpt.Prompts;
using Mpt.Training;

namespace Mpt;

/// <summary>
/// A frozen model with a trained prompt in front of it, ready to predict: returned by <see cref="PromptTuner"/>, or
/// loaded from a saved adapter with <see cref="Load"/>. Predicts a label (and the probability of every label) per
/// input; for a T5 model also the generated text. Not thread-safe: one call at a time.
/// </summary>
/// <example>
/// <code>
/// using var model = PromptedModel.Load("minilm", "adapters/sentiment");
/// Prediction p = model.Predict("a delightful film");   // p.Label, p.Scores["positive"]
/// </code>
/// </example>
public sealed class PromptedModel : IDisposable
{
    private readonly LoadedModel _model;
    private readonly PromptEncoder _prompt;
    private readonly PromptTask _task;
    private readonly int _taskId;
    private readonly IBackboneTaskSet _set;
    private readonly int _maxInputLength;
    private readonly int _batchSize;
    private bool _disposed;

    /// <summary>
    /// Takes a reference to <paramref name="model"/> and ownership of <paramref name="prompt"/> and of
    /// <paramref name="set"/> (the backbone bound to exactly <paramref name="task"/>; created when null).
    /// </summary>
    internal PromptedModel(LoadedModel model, PromptEncoder prompt, PromptTask task, int taskId, int maxInputLength, int batchSize,
        TrainingResult? training, IBackboneTaskSet? set = null)
    {
        _model = model.AddReference();
        try
        {
            _set = set ?? model.ForTasks([task]);
        }
        catch
        {
            _model.Release();
            throw;
        }
        _prompt = prompt;
        _task = task;
        _taskId = taskId;
        _maxInputLength = maxInputLength;
        _batchSize = batchSize;
        Training = training;
    }

    /// <summary>Name of the task the prompt was trained for.</summary>
    public string TaskName => _task.Task;

    /// <summary>The labels the model chooses from (class c at index c); empty for a T5 prompt loaded without them.</summary>
    public IReadOnlyList<string> Labels => _task.Labels;

    /// <summary>Prompt length l.</summary>
    public int PromptLength => _prompt.NumVirtualTokens;

    /// <summary>
    /// How the prompt's last training stage went (steps, losses, best validation score: the task's accuracy in %, and
    /// the step it was reached at, 0 when the starting prompt was kept); null for a loaded prompt.
    /// </summary>
    public TrainingResult? Training { get; }

    /// <summary>
    /// Loads a frozen model and a prompt saved by <see cref="Save"/> (or any PEFT prompt-tuning adapter for a T5 model).
    /// </summary>
    /// <param name="model"><c>minilm</c> (the embedded all-MiniLM-L6-v2), a Hugging Face T5 folder or a Hugging Face BERT folder.</param>
    /// <param name="promptPath">The adapter folder (<c>adapter_config.json</c>, <c>adapter_model.safetensors</c>,
    /// and <c>mpt_task.json</c> with the labels, which an encoder prompt needs).</param>
    /// <param name="taskId">Which task of a multitask prompt to use.</param>
    /// <param name="options">Input length and batch size for prediction (other settings are ignored).</param>
    /// <exception cref="ModelMismatchException">The prompt was saved for another model (its recorded fingerprint or kind differs).</exception>
    /// <exception cref="InvalidDataException">The folder lacks what the model needs (the file is named).</exception>
    public static PromptedModel Load(string model, string promptPath, int taskId = 0, PromptTunerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(promptPath);
        options ??= new PromptTunerOptions();
        options.Validate();
        var loaded = LoadedModel.Load(model);
        try
        {
            var task = PromptTaskFile.Read(promptPath);
            if (task is null && loaded.IsClassifier)
                throw new InvalidDataException($"{Path.Combine(promptPath, PromptTaskFile.FileName)} is missing: a prompt for {model} needs the labels and label descriptions it was trained with (PromptedModel.Save writes them).");
            if (task is not null && task.Backbone != loaded.Kind)
                throw new ModelMismatchException($"{promptPath}: the prompt was saved for a {task.Backbone} model, not for {model} ({loaded.Kind}).", overridable: false);
            task ??= new PromptTask(loaded.Kind, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(promptPath))), [], []);
            var prompt = loaded.LoadAdapter(promptPath);
            try
            {
                if (taskId < 0 || taskId >= prompt.NumTasks)
                    throw new ArgumentOutOfRangeException(nameof(taskId), taskId, $"{promptPath}: the prompt serves {prompt.NumTasks} task(s); task id {taskId} is not one of them.");
                return new PromptedModel(loaded, prompt, task, taskId, options.MaxInputLength, options.BatchSize, training: null);
            }
            catch
            {
                prompt.Dispose();
                throw;
            }
        }
        finally
        {
            loaded.Release(); // the PromptedModel holds its own reference
        }
    }

    /// <summary>The prediction for one input.</summary>
    public Prediction Predict(string input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Predict([input])[0];
    }

    /// <summary>Predictions for several inputs, in order, computed in batches.</summary>
    /// <param name="inputs">The texts.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <exception cref="OperationCanceledException">Cancelled before the last batch.</exception>
    public IReadOnlyList<Prediction> Predict(IEnumerable<string> inputs, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(inputs);
        var texts = inputs.ToList();
        int blank = texts.FindIndex(t => t is null);
        if (blank >= 0) throw new ArgumentException($"input {blank} is null.", nameof(inputs));
        var predictions = new List<Prediction>(texts.Count);
        foreach (var chunk in texts.Chunk(_batchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            predictions.AddRange(_model.Predict(_set, _prompt, _task, _taskId, chunk, _maxInputLength, _batchSize));
        }
        return predictions;
    }

    /// <summary>
    /// Saves the prompt as a PEFT adapter folder (<c>adapter_config.json</c>, <c>adapter_model.safetensors</c>, and
    /// <c>mpt_model.json</c>, the model's fingerprint, for every backbone) plus <c>mpt_task.json</c> with the task's
    /// labels, which PEFT ignores and <see cref="Load"/> reads.
    /// </summary>
    /// <param name="folder">Created if needed; existing adapter files are replaced.</param>
    public void Save(string folder)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(folder);
        _model.SaveAdapter(folder, _prompt);
        PromptTaskFile.Write(folder, _task);
    }

    /// <summary>Frees the prompt, and the model weights when no tuner or other prompted model uses them.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _prompt.Dispose();
        _set.Dispose();
        _model.Release();
    }
}
