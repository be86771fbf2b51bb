using Mpt.Serving;
using Mpt.Tests.Cli;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>
/// The refill wait (<see cref="BatchingOptions.RefillWait"/>): closed-loop clients that fell into two groups, one group's
/// rows queued while the other's batch runs, end up in one batch instead of alternating half batches; a lone client is
/// not held back by it.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class RefillWaitTests(ServingFixture fixture)
{
    private static readonly string[] Inputs = ["Sunny and warm.", "Rain all day long."];

    // A guard against hanging (a wrong rule could wait out the hour-long bound), not a timing assertion.
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Should_Keep_Two_Closed_Loop_Groups_In_One_Batch()
    {
        // Given: batches of 4 rows that close as soon as the queue is empty (max wait 0) but for the refill, bounded by an
        // hour; two closed-loop clients of 2 rows per request: A sends 4 requests, B 3, and B's first request is queued
        // while A's first batch runs. Without the refill the batches alternate A1 | B1 | A2 | B2 | ... (7 of 2 rows):
        // when a batch is answered the other group's rows are queued already and its own clients' are not yet.
        using var registry = fixture.Registry();
        await using var predictor = new BatchingPredictor(registry, new BatchingOptions { MaxBatch = 4, MaxWait = TimeSpan.Zero, RefillWait = TimeSpan.FromHours(1) });
        await predictor.WarmUpAsync();
        var before = predictor.Statistics;
        Task? groupB = null;
        predictor.BatchRan = _ => groupB ??= ClosedLoop(predictor, 3);

        // When
        var groupA = ClosedLoop(predictor, 4);
        await groupA.WaitAsync(Guard);
        await groupB!.WaitAsync(Guard);

        // Then: A1 | B1 A2 | B2 A3 | B3 A4: the batch after A1 waited for A's next request (answered a moment before, sent
        // a moment after) and every batch after the first is full
        var after = predictor.Statistics;
        Assert.Equal(14, after.Rows - before.Rows);
        Assert.Equal(4, after.DrainedBatches - before.DrainedBatches);
        Assert.Equal(4, after.LargestBatch);
    }

    [Fact]
    public async Task Should_Not_Hold_Back_A_Lone_Closed_Loop_Client()
    {
        // Given: a refill bound of an hour, and one client whose next request the worker cannot expect before answering it
        using var registry = fixture.Registry();
        await using var predictor = new BatchingPredictor(registry, new BatchingOptions { MaxBatch = 4, MaxWait = TimeSpan.Zero, RefillWait = TimeSpan.FromHours(1) });
        await predictor.WarmUpAsync();
        var before = predictor.Statistics;

        // When
        await ClosedLoop(predictor, 3).WaitAsync(Guard);

        // Then: three batches of the client's 2 rows, none waiting for rows that were already in it
        var after = predictor.Statistics;
        Assert.Equal(3, after.DrainedBatches - before.DrainedBatches);
        Assert.Equal(6, after.Rows - before.Rows);
    }

    [Fact]
    public async Task Should_Not_Wait_For_The_Client_Of_A_Request_With_Rows_Still_Queued()
    {
        // Given: a refill bound of an hour; one request of 6 rows, more than a batch of 4 takes
        using var registry = fixture.Registry();
        await using var predictor = new BatchingPredictor(registry, new BatchingOptions { MaxBatch = 4, MaxWait = TimeSpan.Zero, RefillWait = TimeSpan.FromHours(1) });
        await predictor.WarmUpAsync();
        var before = predictor.Statistics;

        // When
        var answer = await predictor.PredictAsync(ServingFixture.Weather, [.. Inputs, .. Inputs, .. Inputs]).WaitAsync(Guard);

        // Then: 4 rows, then the other 2 at once: the first batch answered no request, so no client was expected back
        var after = predictor.Statistics;
        Assert.Equal(6, answer.Count);
        Assert.Equal(2, after.DrainedBatches - before.DrainedBatches);
    }

    [Fact]
    public void Should_Refuse_A_Negative_Refill_Wait()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new BatchingOptions { RefillWait = TimeSpan.FromMilliseconds(-1) }.Validate());
        Assert.Equal(nameof(BatchingOptions.RefillWait), error.ParamName);
        var settings = Assert.Throws<ArgumentException>(() => new ServeBenchmarkSettings { RefillWait = TimeSpan.FromMilliseconds(-1) }.Validate());
        Assert.Contains("--refill-wait-ms", settings.Message);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("bench")]
    public void Should_Refuse_A_Negative_Refill_Wait_On_The_Command_Line_In_One_Line(string verb)
    {
        string[] args = verb == "serve"
            ? ["serve", "--model", "minilm", "--prompts", fixture.WeatherAdapter, "--refill-wait-ms", "-1"]
            : ["bench", "serve", "--refill-wait-ms", "-1"];

        var result = CliRunner.Run(args);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--refill-wait-ms", result.Error);
        Assert.Contains("negative", result.Error);
    }

    /// <summary>A client that sends its next request of <see cref="Inputs"/> as soon as the previous one is answered.</summary>
    private static async Task ClosedLoop(BatchingPredictor predictor, int requests)
    {
        for (int i = 0; i < requests; i++)
        {
            var answer = await predictor.PredictAsync(ServingFixture.Weather, Inputs);
            Assert.Equal(Inputs.Length, answer.Count);
        }
    }
}
