namespace Mpt.Pipeline;

/// <summary>How a <see cref="PipelineRunner"/> runs (not part of the config: nothing here changes the results).</summary>
public sealed record PipelineRunOptions
{
    /// <summary>Continue interrupted runs from their checkpoints and skip finished ones.</summary>
    public bool Resume { get; init; }

    /// <summary>Display.</summary>
    public IPipelineProgress Progress { get; init; } = SilentProgress.Instance;

    /// <summary>Early stop (Ctrl+C, simulated kill).</summary>
    public StopSignal Stop { get; init; } = new();

    /// <summary>Report writer called after results.json.</summary>
    public IRunReporter Reporter { get; init; } = RunReporters.Default;
}
