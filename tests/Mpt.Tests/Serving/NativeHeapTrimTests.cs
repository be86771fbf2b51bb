using Mpt.Serving;
using Mpt.Tests.Pipeline;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>
/// The batching worker trims the C heap after a batch when <see cref="BatchingOptions.TrimNativeHeapEvery"/> is set, at
/// most once per interval, and never when it is zero (the counters of <see cref="BatchingPredictor.Statistics"/>).
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class NativeHeapTrimTests(ServingFixture fixture)
{
    [Fact]
    public async Task Should_Trim_After_Batches_Only_When_An_Interval_Is_Set()
    {
        Assert.Equal(0, await TrimsAfterBatches(TimeSpan.Zero));
        // A 1 ms interval has passed after every batch's forward: each batch trims once (the warm-up's does not).
        Assert.Equal(NativeHeap.IsAvailable ? Rounds : 0, await TrimsAfterBatches(TimeSpan.FromMilliseconds(1)));
        // An hour has not: the interval is counted from the worker's start.
        Assert.Equal(0, await TrimsAfterBatches(TimeSpan.FromHours(1)));
    }

    private const int Rounds = 5;

    private async Task<long> TrimsAfterBatches(TimeSpan every)
    {
        using var registry = fixture.Registry();
        var predictor = new BatchingPredictor(registry, new BatchingOptions { MaxBatch = 4, MaxWait = TimeSpan.Zero, TrimNativeHeapEvery = every });
        try
        {
            await predictor.WarmUpAsync(); // the warm-up's batch does not trim
            for (int round = 0; round < Rounds; round++)
                await predictor.PredictAsync(UserTaskFolder.Topic, ["Sunny and warm."]);
        }
        finally
        {
            await predictor.DisposeAsync(); // the worker has finished: the last batch's trim (after its answer) is counted
        }
        return predictor.Statistics.NativeHeapTrims;
    }
}
