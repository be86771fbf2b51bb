namespace Mpt.Training;

/// <summary>
/// Batches drawn in order from one shuffled pool of examples, reshuffled every epoch (HF Trainer's random sampler).
/// Used for a teacher (one source task), a single target task, few-shot runs, and multi-target MPT* (a pool holding
/// every target task's examples, so a batch mixes tasks in proportion to their sizes and each row carries its task id).
/// </summary>
/// <remarks>Batches run across epoch boundaries (the pool is treated as an endless stream), so every batch is full.
/// Optionally each epoch's order is length-grouped (<see cref="LengthGrouping"/>, HF's <c>group_by_length</c>): the same
/// examples per epoch, but batches of similar lengths, so they pad less.</remarks>
public sealed class ShuffledBatchSource : IBatchSource
{
    private readonly IReadOnlyList<TrainingExample> _examples;
    private readonly ShuffledExampleStream _stream;

    /// <summary>Creates the source.</summary>
    /// <param name="examples">The training pool (non-empty).</param>
    /// <param name="batchSize">Examples per batch.</param>
    /// <param name="seed">Seed of the data order.</param>
    /// <param name="lengthGroupFactor">Batches per length-sorted mega-batch (<see cref="TrainingLoopOptions.LengthGroupFactor"/>); 0 = off,
    /// HF Trainer's random sampler.</param>
    /// <param name="maxSourceLength">Input length cap of the collator (longer inputs count as this long when grouping).</param>
    public ShuffledBatchSource(IReadOnlyList<TrainingExample> examples, int batchSize, ulong seed, int lengthGroupFactor = 0,
        int maxSourceLength = int.MaxValue)
    {
        if (examples.Count == 0) throw new ArgumentException("the training pool is empty.", nameof(examples));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be positive, got {batchSize}.");
        _examples = examples;
        BatchSize = batchSize;
        _stream = new ShuffledExampleStream(examples.Count, seed, grouping: LengthGrouping.For(examples, lengthGroupFactor, batchSize, maxSourceLength));
    }

    /// <summary>The source a training loop's options ask for: its batch size, seed, length grouping and input length cap.</summary>
    public static ShuffledBatchSource For(IReadOnlyList<TrainingExample> examples, TrainingLoopOptions loop) =>
        new(examples, loop.BatchSize, loop.Seed, loop.LengthGroupFactor, loop.MaxSourceLength);

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
