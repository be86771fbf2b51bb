using Mpt.Serving;
using Mpt.Tests.Pipeline;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>
/// Rows of different tasks (different prompts, label sets and prompt lengths) answered in one drained batch, with the
/// scores each task gets alone from <c>mpt predict</c>; cancelled requests' rows dropped; stopping finishes queued work.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class MixedTaskBatchingTests(ServingFixture fixture)
{
    [Fact]
    public async Task Should_Answer_Concurrent_Requests_Of_Four_Tasks_In_One_Batch_With_Each_Tasks_Own_Scores()
    {
        // Given: a batch closes only when full (4 rows) — the wait is long, so the four requests land in one batch
        var requests = new (string Task, string Input)[]
        {
            ($"{UserTaskFolder.Reviews}/mpt/seed-1", "Great value and excellent quality."),
            ($"{UserTaskFolder.Reviews}/pt/seed-1", "Terrible quality, a waste of money."),
            (UserTaskFolder.Topic, "The striker scored twice in the final match."),   // l = 6: its own forward
            (ServingFixture.Weather, "Grey skies and showers all day."),
        };
        await using var server = await fixture.StartAsync(new BatchingOptions { MaxBatch = requests.Length, MaxWait = TimeSpan.FromSeconds(30) });
        var before = server.Predictor.Statistics;

        // When
        var responses = await Task.WhenAll(requests.Select(r => server.PredictAsync(r.Task, r.Input)));

        // Then: one drained batch of all four rows, mixing tasks, run as one forward per prompt length (4 and 6)
        var after = server.Predictor.Statistics;
        Assert.Equal(requests.Length, after.LargestBatch);
        Assert.Equal(before.MixedTaskBatches + 1, after.MixedTaskBatches);
        Assert.Equal(before.Batches + 2, after.Batches);
        Assert.Equal(before.Rows + requests.Length, after.Rows);
        var expected = new[]
        {
            fixture.Reference(fixture.Catalog.Get(UserTaskFolder.Reviews), fixture.RunAdapter("mpt", 1), [requests[0].Input]),
            fixture.Reference(fixture.Catalog.Get(UserTaskFolder.Reviews), fixture.RunAdapter("pt", 1), [requests[1].Input]),
            fixture.Reference(fixture.Catalog.Get(UserTaskFolder.Topic), fixture.TopicFile, [requests[2].Input]),
            fixture.Reference(fixture.WeatherTask, fixture.WeatherAdapter, [requests[3].Input]),
        };
        string[][] labels = [["pos", "neg"], ["pos", "neg"], ["sports", "food"], ["sunny", "rainy"]];
        for (int i = 0; i < requests.Length; i++)
            ServeEndpointTests.AssertSameScores(expected[i], labels[i], await RunningServer.ResultsOf(responses[i]));
    }

    [Fact]
    public async Task Should_Give_The_Same_Scores_Without_Batching()
    {
        // --max-batch 1: every row alone; the answers of a mixed batch do not depend on the batch.
        string[] inputs = ["Best purchase I made this year.", "Worst experience ever.", "Rude staff and a long wait."];
        await using var server = await fixture.StartAsync(new BatchingOptions { MaxBatch = 1, MaxWait = TimeSpan.Zero });

        var served = await RunningServer.ResultsOf(await server.PredictAsync(UserTaskFolder.Reviews, inputs));

        Assert.Equal(1, server.Predictor.Statistics.LargestBatch);
        ServeEndpointTests.AssertSameScores(fixture.Reference(fixture.Catalog.Get(UserTaskFolder.Reviews), fixture.RunAdapter("mpt", 1), inputs), ["pos", "neg"], served);
    }

    [Fact]
    public async Task Should_Drop_The_Queued_Rows_Of_A_Cancelled_Request()
    {
        // Given: one row per forward, a long request ahead in the queue, then a request that is cancelled while queued
        using var registry = fixture.Registry();
        await using var predictor = new BatchingPredictor(registry, new BatchingOptions { MaxBatch = 1, MaxWait = TimeSpan.Zero });
        await predictor.WarmUpAsync();
        var ahead = predictor.PredictAsync(UserTaskFolder.Topic, Enumerable.Range(0, 48).Select(i => $"row {i} of the request ahead").ToList());
        using var cancel = new CancellationTokenSource();
        var cancelled = predictor.PredictAsync(UserTaskFolder.Topic, ["a", "b", "c", "d", "e"], cancel.Token);

        // When
        cancel.Cancel();

        // Then: the cancelled request ends at once as cancelled, the one ahead is answered, the cancelled rows never run
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(48, (await ahead).Count);
        await predictor.StopAsync();
        var statistics = predictor.Statistics;
        Assert.Equal(5, statistics.DroppedRows);
        Assert.Equal(0, statistics.QueuedRows);
    }

    [Fact]
    public async Task Should_Finish_Queued_Requests_When_Stopping_And_Refuse_New_Ones()
    {
        using var registry = fixture.Registry();
        await using var predictor = new BatchingPredictor(registry, new BatchingOptions { MaxBatch = 2, MaxWait = TimeSpan.Zero });
        await predictor.WarmUpAsync();
        var queued = predictor.PredictAsync(ServingFixture.Weather, Enumerable.Range(0, 9).Select(i => $"day {i}").ToList());

        await predictor.StopAsync();

        Assert.True(queued.IsCompletedSuccessfully);
        Assert.Equal(9, (await queued).Count);
        Assert.False(predictor.IsReady);
        await Assert.ThrowsAsync<PredictorUnavailableException>(() => predictor.PredictAsync(ServingFixture.Weather, ["late"]));
    }

    [Fact]
    public async Task Should_Refuse_An_Unknown_Task_Before_Queueing()
    {
        using var registry = fixture.Registry();
        await using var predictor = new BatchingPredictor(registry);
        await predictor.WarmUpAsync();

        var error = await Assert.ThrowsAsync<UnknownTaskException>(() => predictor.PredictAsync("nope", ["x"]));

        Assert.Contains(UserTaskFolder.Topic, error.Message);
        Assert.Equal(0, predictor.Statistics.QueuedRows);
    }
}
