using System.Diagnostics;

namespace Mpt.Serving;

/// <summary>
/// The queue between request threads and the <see cref="BatchingPredictor"/>'s worker: producers add a request's items
/// all at once, one consumer takes them in order and blocks while the queue is empty, with a deadline while it fills a
/// batch. A monitor rather than a <see cref="System.Threading.Channels.Channel"/>: the worker is a dedicated thread that
/// blocks between batches (so a forward never occupies a thread-pool thread that Kestrel needs), not an async loop.
/// </summary>
/// <typeparam name="T">The queued item.</typeparam>
internal sealed class WorkerQueue<T>
{
    private readonly Queue<T> _items = new();
    private bool _completed;

    /// <summary>Items queued now.</summary>
    public int Count
    {
        get
        {
            lock (_items) return _items.Count;
        }
    }

    /// <summary>Queues <paramref name="items"/> in order, all or none: none once <see cref="Complete"/> was called.</summary>
    /// <returns>Whether they were queued.</returns>
    public bool TryAdd(IEnumerable<T> items)
    {
        lock (_items)
        {
            if (_completed) return false;
            foreach (var item in items) _items.Enqueue(item);
            Monitor.Pulse(_items);
            return true;
        }
    }

    /// <summary>The oldest item, if any (never blocks).</summary>
    public bool TryTake(out T item)
    {
        lock (_items) return _items.TryDequeue(out item!);
    }

    /// <summary>
    /// Blocks until an item is queued or the queue is completed, or at most <paramref name="timeout"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: no limit).
    /// </summary>
    /// <returns>Whether an item is queued (false: completed and empty, or timed out).</returns>
    public bool WaitForItems(TimeSpan timeout)
    {
        bool forever = timeout == Timeout.InfiniteTimeSpan;
        long start = Stopwatch.GetTimestamp();
        lock (_items)
        {
            while (_items.Count == 0 && !_completed)
            {
                if (forever) Monitor.Wait(_items);
                else
                {
                    var left = timeout - Stopwatch.GetElapsedTime(start);
                    if (left <= TimeSpan.Zero) return false;
                    Monitor.Wait(_items, left); // woken by an item, or the time is up: the loop looks again
                }
            }
            return _items.Count > 0;
        }
    }

    /// <summary>Takes no more items; the consumer still takes those queued, then <see cref="WaitForItems"/> returns false.</summary>
    public void Complete()
    {
        lock (_items)
        {
            _completed = true;
            Monitor.PulseAll(_items);
        }
    }
}
