namespace Mpt.Serving;

/// <summary>Counters of a <see cref="BatchingPredictor"/> since it started.</summary>
/// <param name="Batches">Forward batches run (one per prompt length in a drained batch).</param>
/// <param name="Rows">Rows predicted.</param>
/// <param name="LargestBatch">The most rows drained into one batch.</param>
/// <param name="MixedTaskBatches">Drained batches whose rows belong to more than one task.</param>
/// <param name="DroppedRows">Queued rows dropped because their request was cancelled.</param>
/// <param name="QueuedRows">Rows waiting now.</param>
public sealed record BatchingStatistics(long Batches, long Rows, int LargestBatch, long MixedTaskBatches, long DroppedRows, int QueuedRows);
