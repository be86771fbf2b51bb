using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Training;

public sealed class BatchSourceTests
{
    private static List<TrainingExample> Examples(int n, int task) =>
        Enumerable.Range(0, n).Select(i => new TrainingExample([i + 2, 1], [3, 1], task)).ToList();

    [Fact]
    public void Should_Visit_Every_Example_Once_Per_Epoch_In_A_New_Order()
    {
        var stream = new ShuffledExampleStream(10, seed: 1);
        var first = Enumerable.Range(0, 10).Select(_ => stream.Next()).ToList();
        var second = Enumerable.Range(0, 10).Select(_ => stream.Next()).ToList();

        Assert.Equal(Enumerable.Range(0, 10), first.Order());
        Assert.Equal(Enumerable.Range(0, 10), second.Order());
        Assert.NotEqual(first, second);
        Assert.Equal(1, stream.Epoch);
    }

    [Fact]
    public void Should_Repeat_The_Same_Order_After_Restoring_A_Stream_State_Mid_Epoch()
    {
        var stream = new ShuffledExampleStream(7, seed: 3);
        for (int i = 0; i < 11; i++) stream.Next();
        var state = stream.GetState();
        var expected = Enumerable.Range(0, 20).Select(_ => stream.Next()).ToList();

        var restored = new ShuffledExampleStream(7, seed: 999);
        restored.SetState(state);

        Assert.Equal(expected, Enumerable.Range(0, 20).Select(_ => restored.Next()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShuffledExampleStream(3, 0).SetState(state with { Position = 5 }));
    }

    [Fact]
    public void Should_Build_Mixed_Task_Batches_Whose_Rows_Keep_Their_Task_Ids()
    {
        // Given: three source tasks of different sizes, K ~ U{2..3} tasks per batch
        var source = new TaskSampledBatchSource([Examples(40, 0), Examples(20, 1), Examples(10, 2)], new TaskSamplerOptions { BatchSize = 12 }, seed: 5);

        // When
        var batches = Enumerable.Range(0, 50).Select(_ => source.Next()).ToList();

        // Then: every batch is full, holds 2 or 3 tasks, and every task occurs
        Assert.All(batches, b => Assert.Equal(12, b.Count));
        Assert.All(batches, b => Assert.InRange(b.Select(e => e.TaskId).Distinct().Count(), 2, 3));
        Assert.Equal([0, 1, 2], batches.SelectMany(b => b).Select(e => e.TaskId).Distinct().Order());
        Assert.Equal(70, source.ExampleCount);
    }

    [Fact]
    public void Should_Resume_A_Task_Sampled_Source_Exactly()
    {
        List<TrainingExample>[] tasks = [Examples(9, 0), Examples(5, 1), Examples(3, 2)];
        var source = new TaskSampledBatchSource(tasks, new TaskSamplerOptions { BatchSize = 6 }, seed: 8);
        for (int i = 0; i < 7; i++) source.Next();
        var state = source.GetState();
        var expected = Enumerable.Range(0, 10).SelectMany(_ => source.Next()).ToList();

        var resumed = new TaskSampledBatchSource(tasks, new TaskSamplerOptions { BatchSize = 6 }, seed: 8);
        resumed.SetState(state);

        Assert.Equal(expected, Enumerable.Range(0, 10).SelectMany(_ => resumed.Next()));
        Assert.Throws<ArgumentException>(() => new ShuffledBatchSource(Examples(3, 0), 2, 1).SetState(state));
    }

    [Fact]
    public void Should_Reject_Examples_Filed_Under_The_Wrong_Task()
    {
        var e = Assert.Throws<ArgumentException>(() => new TaskSampledBatchSource([Examples(3, 0), Examples(3, 0)], new TaskSamplerOptions { BatchSize = 4 }, 1));
        Assert.Contains("task 1", e.Message);
    }
}
