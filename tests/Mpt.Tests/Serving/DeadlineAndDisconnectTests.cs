using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mpt.Serving;
using Mpt.Tests.Pipeline;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>
/// A request whose deadline passes gets 504, one whose client disconnects gets nothing; in both cases its rows still in
/// the queue never reach a forward (the batch statistics count them as dropped).
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class DeadlineAndDisconnectTests(ServingFixture fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>Rows of the request queued ahead: enough one-row forwards (seconds of work even on a fast, quiet machine)
    /// that the request behind it is still queued when it times out or its client leaves. With 128 the queue could
    /// drain before the HTTP request behind it was cancelled, and the test failed once in a full run.</summary>
    private const int Ahead = 512; // half the default queue capacity (1,024 rows), so the request behind still fits

    [Fact]
    public async Task Should_Answer_504_When_The_Deadline_Passes_And_Drop_The_Queued_Rows()
    {
        // Given: one row per forward, Ahead rows of another request ahead, a 50 ms deadline
        await using var server = await fixture.StartAsync(new BatchingOptions { MaxBatch = 1, MaxWait = TimeSpan.Zero },
            new ServingLimits { RequestTimeout = TimeSpan.FromMilliseconds(50) });
        var before = server.Predictor.Statistics;
        var ahead = server.Predictor.PredictAsync(UserTaskFolder.Topic, Rows(Ahead));

        // When
        var late = await server.PredictAsync(UserTaskFolder.Topic, "a", "b", "c");

        // Then: 504 problem naming the limit; the request ahead is answered; the late rows never ran
        string body = await late.Content.ReadAsStringAsync();
        Assert.True(late.StatusCode == HttpStatusCode.GatewayTimeout, $"{(int)late.StatusCode}: {body}");
        Assert.Equal("application/problem+json", late.Content.Headers.ContentType?.MediaType);
        using (var problem = JsonDocument.Parse(body))
            Assert.Equal("request_timeout_ms", problem.RootElement.GetProperty("limit").GetString());
        Assert.Equal(Ahead, (await ahead).Count);
        var after = await Settled(server.Predictor);
        Assert.Equal(3, after.DroppedRows - before.DroppedRows);
        Assert.Equal(Ahead, after.Rows - before.Rows);
    }

    [Fact]
    public async Task Should_Drop_The_Queued_Rows_Of_A_Client_That_Disconnects()
    {
        // Given: one row per forward, Ahead rows ahead, and an HTTP request queued behind them
        await using var server = await fixture.StartAsync(new BatchingOptions { MaxBatch = 1, MaxWait = TimeSpan.Zero });
        var before = server.Predictor.Statistics;
        var ahead = server.Predictor.PredictAsync(UserTaskFolder.Topic, Rows(Ahead));
        using var cancel = new CancellationTokenSource();
        var abandoned = server.Client.PostAsJsonAsync($"v1/tasks/{UserTaskFolder.Topic}/predict", new { inputs = new[] { "a", "b", "c", "d", "e" } }, cancel.Token);
        await WaitUntil(() => server.Predictor.Statistics.Requests == before.Requests + 2);

        // When: the client gives up (HttpClient closes the connection)
        cancel.Cancel();

        // Then: the server drops its five rows; the request ahead is answered in full
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        Assert.Equal(Ahead, (await ahead).Count);
        var after = await Settled(server.Predictor);
        Assert.Equal(5, after.DroppedRows - before.DroppedRows);
        Assert.Equal(Ahead, after.Rows - before.Rows);
    }

    private static List<string> Rows(int count) => Enumerable.Range(0, count).Select(i => $"row {i} of the request ahead, a few words long").ToList();

    /// <summary>The statistics once the queue is empty (bounded wait).</summary>
    private static async Task<BatchingStatistics> Settled(BatchingPredictor predictor)
    {
        await WaitUntil(() => predictor.Statistics.QueuedRows == 0);
        return predictor.Statistics;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var bound = new CancellationTokenSource(Bound);
        while (!condition()) await Task.Delay(10, bound.Token);
    }
}
