using Mpt.Serving;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>The queue between request threads and the batching worker: order, all-or-none adds, waits that end, draining after completion.</summary>
public sealed class WorkerQueueTests
{
    [Fact]
    public void Should_Hand_Out_Items_In_Order_And_Report_None_When_Empty()
    {
        var queue = new WorkerQueue<int>();

        Assert.True(queue.TryAdd([1, 2]));
        Assert.True(queue.TryAdd([3]));

        Assert.Equal(3, queue.Count);
        Assert.Equal([1, 2, 3], Enumerable.Range(0, 3).Select(_ => queue.TryTake(out int item) ? item : -1));
        Assert.False(queue.TryTake(out _));
    }

    [Fact]
    public void Should_Return_At_Once_When_Items_Are_Queued_And_False_When_The_Wait_Ends_Empty()
    {
        var queue = new WorkerQueue<int>();

        Assert.False(queue.WaitForItems(TimeSpan.FromMilliseconds(1)));
        Assert.False(queue.WaitForItems(TimeSpan.Zero));
        queue.TryAdd([7]);
        Assert.True(queue.WaitForItems(TimeSpan.Zero));
        Assert.True(queue.WaitForItems(Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public async Task Should_Wake_A_Waiting_Consumer_When_Items_Arrive()
    {
        var queue = new WorkerQueue<int>();
        var waiting = Task.Factory.StartNew(() => queue.WaitForItems(Timeout.InfiniteTimeSpan), TaskCreationOptions.LongRunning);

        queue.TryAdd([5]);

        Assert.True(await waiting.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.True(queue.TryTake(out int item));
        Assert.Equal(5, item);
    }

    [Fact]
    public async Task Should_Refuse_Adds_After_Completion_But_Hand_Out_What_Was_Queued()
    {
        var queue = new WorkerQueue<int>();
        queue.TryAdd([1]);
        var waitingOnEmpty = new WorkerQueue<int>();
        var waiting = Task.Factory.StartNew(() => waitingOnEmpty.WaitForItems(Timeout.InfiniteTimeSpan), TaskCreationOptions.LongRunning);

        queue.Complete();
        waitingOnEmpty.Complete();

        Assert.False(queue.TryAdd([2, 3]));
        Assert.True(queue.WaitForItems(Timeout.InfiniteTimeSpan));
        Assert.True(queue.TryTake(out int item));
        Assert.Equal(1, item);
        Assert.False(queue.WaitForItems(Timeout.InfiniteTimeSpan));
        Assert.False(await waiting.WaitAsync(TimeSpan.FromMinutes(1)));
    }
}
