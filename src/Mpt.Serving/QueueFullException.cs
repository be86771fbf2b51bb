namespace Mpt.Serving;

/// <summary>The queue cannot take a request's rows; the client should retry later.</summary>
public sealed class QueueFullException(int capacity, int rows)
    : InvalidOperationException($"the queue is full ({capacity} rows); a request of {rows} row(s) cannot be queued now, retry later.")
{
    /// <summary>The queue capacity in rows.</summary>
    public int Capacity { get; } = capacity;
}
