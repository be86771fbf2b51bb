using Mpt.Training;

namespace Mpt.Pipeline;

/// <summary>
/// Receives what a running pipeline does, for display (the CLI shows progress bars on terminals and plain log lines
/// elsewhere). Called on the training thread.
/// </summary>
public interface IPipelineProgress
{
    /// <summary>A training run starts (<paramref name="totalSteps"/> planned updates).</summary>
    void RunStarted(string label, long totalSteps);

    /// <summary>One update finished; <paramref name="log"/> is true for steps that also go to metrics.jsonl.</summary>
    void StepCompleted(string label, TrainingLogEntry entry, double tokensPerSecond, bool log);

    /// <summary>A training run finished (or was skipped as already finished).</summary>
    void RunFinished(string label, string summary);

    /// <summary>A line of information.</summary>
    void Message(string text);
}

/// <summary>Progress that shows nothing.</summary>
public sealed class SilentProgress : IPipelineProgress
{
    /// <summary>The instance.</summary>
    public static readonly SilentProgress Instance = new();

    /// <inheritdoc/>
    public void RunStarted(string label, long totalSteps) { }

    /// <inheritdoc/>
    public void StepCompleted(string label, TrainingLogEntry entry, double tokensPerSecond, bool log) { }

    /// <inheritdoc/>
    public void RunFinished(string label, string summary) { }

    /// <inheritdoc/>
    public void Message(string text) { }
}
