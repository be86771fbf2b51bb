namespace Mpt.Training;

/// <summary>
/// Batches drawn in order from one shuffled pool of examples, reshuffled every epoch (HF Trainer's random sampler).
/// Used for a teacher (one source task), a single target task, few-shot runs, and multi-target MPT* (a pool holding
/// every target task's examples, so a batch mixes tasks in proportion to their sizes and each row carries its task id).
/// </summary>
/// <remarks>Batches run across epoch boundaries (the pool is treated as an endless stream), so every batch is full.</remarks>
public sealed class ShuffledBatchSource : IBatchSource
{
    private readonly IReadOnlyList<TrainingExample> _examples;
    private readonly ShuffledExampleStream _stream;

    /// <summary>Creates the source.</summary>
    /// <param name="examples">The training pool (non-empty).</param>
    /// <param name="batchSize">Examples per batch.</param>
    /// <param name="seed">Seed of the data order.</param>
    public ShuffledBatchSource(IReadOnlyList<TrainingExample> examples, int batchSize, ulong seed)
    {
        if (examples.Count == 0) throw new ArgumentException("the training pool is empty.", nameof(examples));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be positive, got {batchSize}.");
        _examples = examples;
        BatchSize = batchSize;
        _stream = new ShuffledExampleStream(examples.Count, seed);
    }

    /// <inheritdoc/>
    public long ExampleCount => _examples.Count;

    /// <inheritdoc/>
    public int BatchSize { get; }

    /// <inheritdoc/>
    public IReadOnlyList<TrainingExample> Next()
    {
        var batch = new TrainingExample[BatchSize];
        for (int i = 0; i < BatchSize; i++) batch[i] = _examples[_stream.Next()];
        return batch;
    }

    /// <inheritdoc/>
    public BatchSourceState GetState() => new([_stream.GetState()], null);

    /// <inheritdoc/>
    public void SetState(BatchSourceState state)
    {
        if (state.Streams.Count != 1 || state.Sampler is not null)
            throw new ArgumentException($"a single-pool source has one stream and no task sampler; the checkpoint has {state.Streams.Count} stream(s){(state.Sampler is null ? "" : " and a sampler")}.", nameof(state));
        _stream.SetState(state.Streams[0]);
    }
}
