namespace Mpt.Training;

/// <summary>
/// MPT source-training batches (paper §3.2): a <see cref="TaskSampler"/> decides how many examples of which tasks fill
/// the batch (K ~ U{2..κ} tasks, examples-proportional mixing), and each task's examples come from its own shuffled
/// stream, so every task is cycled through in a fresh order per epoch. Rows keep their own task id.
/// </summary>
/// <remarks>With length grouping (<see cref="LengthGrouping"/>) each task's stream is grouped on its own, mega-batches of
/// factor × batch size of that task's examples: consecutive draws from a task are of similar length. Which tasks fill a
/// batch is still the sampler's choice, so a batch mixing tasks pads to its longest task's group.</remarks>
public sealed class TaskSampledBatchSource : IBatchSource
{
    private readonly IReadOnlyList<IReadOnlyList<TrainingExample>> _tasks;
    private readonly ShuffledExampleStream[] _streams;
    private readonly TaskSampler _sampler;

    /// <summary>Creates the source.</summary>
    /// <param name="examplesByTask">Examples of task k at index k; every example's TaskId must equal k.</param>
    /// <param name="samplerOptions">Batch size, κ, cap, replacement, stochastic-sampling switch.</param>
    /// <param name="seed">Seed of the task sampler and of the per-task data orders.</param>
    /// <param name="lengthGroupFactor">Batches per length-sorted mega-batch of each task's stream
    /// (<see cref="TrainingLoopOptions.LengthGroupFactor"/>); 0 = off.</param>
    /// <param name="maxSourceLength">Input length cap of the collator (longer inputs count as this long when grouping).</param>
    public TaskSampledBatchSource(IReadOnlyList<IReadOnlyList<TrainingExample>> examplesByTask, TaskSamplerOptions samplerOptions, ulong seed,
        int lengthGroupFactor = 0, int maxSourceLength = int.MaxValue)
    {
        LengthGrouping.Validate(lengthGroupFactor);
        if (examplesByTask.Count == 0) throw new ArgumentException("need at least one task.", nameof(examplesByTask));
        for (int k = 0; k < examplesByTask.Count; k++)
        {
            if (examplesByTask[k].Count == 0) throw new ArgumentException($"task {k} has no examples.", nameof(examplesByTask));
            int bad = examplesByTask[k].Count(e => e.TaskId != k);
            if (bad > 0) throw new ArgumentException($"task {k}: {bad} example(s) carry another task id; examples of list k must have TaskId = k.", nameof(examplesByTask));
        }
        _tasks = examplesByTask;
        _sampler = new TaskSampler(examplesByTask.Select(t => (long)t.Count).ToList(), samplerOptions, seed);
        // Stream k uses PCG sequence k + 1 (the sampler uses sequence 0), so all orders are independent yet one seed fixes them.
        _streams = examplesByTask.Select((t, k) => new ShuffledExampleStream(t.Count, seed, (ulong)k + 1,
            LengthGrouping.For(t, lengthGroupFactor, samplerOptions.BatchSize, maxSourceLength))).ToArray();
        BatchSize = samplerOptions.BatchSize;
    }

    /// <inheritdoc/>
    public long ExampleCount => _tasks.Sum(t => (long)t.Count);

    /// <inheritdoc/>
    public int BatchSize { get; }

    /// <summary>The sampler (its mixing rates, for reports).</summary>
    public TaskSampler Sampler => _sampler;

    /// <inheritdoc/>
    public IReadOnlyList<TrainingExample> Next()
    {
        var allocation = _sampler.Next();
        var batch = new List<TrainingExample>(BatchSize);
        for (int k = 0; k < _tasks.Count; k++)
            for (int i = 0; i < allocation.ExamplesPerTask[k]; i++) batch.Add(_tasks[k][_streams[k].Next()]);
        return batch;
    }

    /// <inheritdoc/>
    public BatchSourceState GetState() => new(_streams.Select(s => s.GetState()).ToList(), _sampler.GetState());

    /// <inheritdoc/>
    public void SetState(BatchSourceState state)
    {
        if (state.Streams.Count != _streams.Length || state.Sampler is null)
            throw new ArgumentException($"a task-sampled source over {_streams.Length} tasks needs {_streams.Length} stream states and a sampler state; the checkpoint has {state.Streams.Count} stream(s){(state.Sampler is null ? " and no sampler" : "")}.", nameof(state));
        for (int k = 0; k < _streams.Length; k++) _streams[k].SetState(state.Streams[k]);
        _sampler.SetState(state.Sampler);
    }
}
