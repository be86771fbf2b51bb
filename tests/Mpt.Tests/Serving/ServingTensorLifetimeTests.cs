using Mpt.Serving;
using Mpt.Tests.Pipeline;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>
/// The batching worker frees every tensor a batch makes: its thread's live-tensor count is the same after every batch
/// once the first ones have built what is built once (docs/testing.md §1). A server answers for days, so one leaked
/// tensor per batch is a leak without bound.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class ServingTensorLifetimeTests(ServingFixture fixture)
{
    private static readonly string[][] Inputs =
    [
        ["Sunny and warm.", "Rain all day long."],
        ["The striker scored twice in the final match and the crowd cheered for a long time."],
        ["Add the flour.", "Grilled fish.", "It rained on the match."],
    ];

    [Fact]
    public async Task Should_Keep_The_Workers_Live_Tensor_Count_Flat_Over_Mixed_Batches_Of_Changing_Shapes()
    {
        // Given: mixed-task batches of up to 4 rows whose inputs change length from batch to batch
        using var registry = fixture.Registry();
        await using var predictor = new BatchingPredictor(registry, new BatchingOptions { MaxBatch = 4, MaxWait = TimeSpan.Zero });
        await predictor.WarmUpAsync();
        var live = new List<long>();
        // Read on the worker thread, after the batch's forwards (the count is per thread).
        predictor.BatchRan = _ => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);

        // When: 12 rounds of one request per task, inputs rotating
        for (int round = 0; round < 12; round++)
            await Task.WhenAll(
                predictor.PredictAsync(UserTaskFolder.Topic, Inputs[round % Inputs.Length]),
                predictor.PredictAsync(ServingFixture.Weather, Inputs[(round + 1) % Inputs.Length]));

        // Then: after the first rounds (anything built once per prompt length or task), not one tensor more per batch
        Assert.True(live.Count >= 12, $"{live.Count} batches");
        var settled = live.Skip(live.Count / 2).ToList();
        Assert.All(settled, count => Assert.Equal(settled[0], count));
    }
}
