using Mpt.Prompts;
using Mpt.Training;

namespace Mpt;

/// <summary>
/// A frozen model the facade trains prompts for and predicts with, shared by a <see cref="PromptTuner"/> and every
/// <see cref="PromptedModel"/> it returns (reference counted: the weights go when the last of them is disposed). The
/// trainers see it only through <see cref="IPromptBackbone"/>; what differs per model kind is how text becomes an
/// example, how a prediction is read out, and how a prompt is saved.
/// </summary>
internal abstract class LoadedModel
{
    private int _references = 1;

    /// <summary>What <see cref="PromptTuner.Open"/> was given (<c>minilm</c> or a folder), saved with prompts.</summary>
    public abstract string Source { get; }

    /// <summary>Model kind recorded in <c>mpt_task.json</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>Whether the model can only classify (an encoder needs at least two labels per task).</summary>
    public abstract bool IsClassifier { get; }

    /// <summary>A backbone serving <paramref name="tasks"/> (task id k = index k). Dispose it when it is <see cref="IDisposable"/>.</summary>
    public abstract IPromptBackbone CreateBackbone(IReadOnlyList<PromptTask> tasks);

    /// <summary>Training examples: each input labelled with its class (an index into the task's labels), task id <paramref name="taskId"/>.</summary>
    public abstract IReadOnlyList<TrainingExample> Examples(PromptTask task, IEnumerable<(string Input, int Label)> rows, int taskId, int maxInputLength);

    /// <summary>Predictions of the prompted model for <paramref name="inputs"/> (the prompt's task <paramref name="taskId"/>).</summary>
    public abstract IReadOnlyList<Prediction> Predict(IPromptBackbone backbone, PromptEncoder prompt, PromptTask task, int taskId,
        IReadOnlyList<string> inputs, int maxInputLength, int batchSize);

    /// <summary>Writes <paramref name="prompt"/> as a PEFT adapter into <paramref name="folder"/>.</summary>
    public abstract void SaveAdapter(string folder, PromptEncoder prompt);

    /// <summary>Reads a PEFT adapter folder for this model (refusing one made for another model).</summary>
    public abstract PromptEncoder LoadAdapter(string folder);

    /// <summary>Adds a user of the weights.</summary>
    public LoadedModel AddReference()
    {
        if (Interlocked.Increment(ref _references) <= 1) throw new ObjectDisposedException(GetType().Name);
        return this;
    }

    /// <summary>Removes a user; the last one frees the weights.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0) DisposeModel();
    }

    /// <summary>Frees the weights.</summary>
    protected abstract void DisposeModel();
}
