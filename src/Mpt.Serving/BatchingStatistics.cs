namespace Mpt.Serving;

/// <summary>Counters of a <see cref="BatchingPredictor"/> since it started, the warm-up's batch left out.</summary>
/// <param name="Batches">Forwards run (one per prompt length in a drained batch, more where input lengths are split to cut padding).</param>
/// <param name="Rows">Rows predicted.</param>
/// <param name="LargestBatch">The most rows drained into one batch.</param>
/// <param name="MixedTaskBatches">Drained batches whose rows belong to more than one task.</param>
/// <param name="DroppedRows">Queued rows dropped because their request was cancelled.</param>
/// <param name="QueuedRows">Rows waiting now.</param>
public sealed record BatchingStatistics(long Batches, long Rows, int LargestBatch, long MixedTaskBatches, long DroppedRows, int QueuedRows)
{
    /// <summary>Batches drained from the queue (each one or more forwards): <see cref="Rows"/> / this is the mean batch size.</summary>
    public long DrainedBatches { get; init; }

    /// <summary>Requests whose rows were queued.</summary>
    public long Requests { get; init; }

    /// <summary>Time the worker spent running drained batches (preparing the rows, the forwards, the answers).</summary>
    public TimeSpan BusyTime { get; init; }

    /// <summary>C-heap trims the worker ran (<see cref="BatchingOptions.TrimNativeHeapEvery"/>).</summary>
    public long NativeHeapTrims { get; init; }

    /// <summary>Time the worker spent in those trims, summed (not part of <see cref="BusyTime"/>).</summary>
    public TimeSpan NativeHeapTrimTime { get; init; }

    /// <summary>The part of <see cref="BusyTime"/> inside the model's forwards (encoder and verbaliser, scores copied out).</summary>
    public TimeSpan ForwardTime { get; init; }

    /// <summary>The rows' waits from being queued to their batch starting, summed over rows (/ <see cref="Rows"/> = the mean wait).</summary>
    public TimeSpan QueueWaitTime { get; init; }
}
