namespace Mpt.Training;

/// <summary>
/// Where a training loop gets its batches from: an endless, seeded, checkpointable sequence of example lists.
/// </summary>
public interface IBatchSource
{
    /// <summary>Total number of distinct training examples (for epoch → step conversions).</summary>
    long ExampleCount { get; }

    /// <summary>Examples per batch.</summary>
    int BatchSize { get; }

    /// <summary>The next batch of examples.</summary>
    IReadOnlyList<TrainingExample> Next();

    /// <summary>The state to store in a checkpoint.</summary>
    BatchSourceState GetState();

    /// <summary>Restores a state from <see cref="GetState"/>; the following batches repeat those of the original run.</summary>
    void SetState(BatchSourceState state);
}

/// <summary>Checkpointable state of an <see cref="IBatchSource"/>: its example streams and, for multitask sources, the task sampler.</summary>
/// <param name="Streams">One state per example stream.</param>
/// <param name="Sampler">Task sampler state, or null when the source has none.</param>
public sealed record BatchSourceState(IReadOnlyList<ExampleStreamState> Streams, TaskSamplerState? Sampler);
