using Mpt.Serving;
using Mpt.Tests.Pipeline;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>
/// The batching modes compared in <c>mpt bench serve</c>: mixed-task batches, single-task batches (other tasks' rows held
/// for later batches) and the split of a batch by input length; each with the scores <c>mpt predict</c> gives.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class BatchingModeTests(ServingFixture fixture)
{
    private static readonly string[] TopicInputs = ["The striker scored twice.", "A bowl of noodle soup."];
    private static readonly string[] WeatherInputs = ["Sunny and warm.", "Rain all day long."];
    private static readonly string[] MoreTopic = ["The referee stopped the match.", "Fresh bread and butter."];
    private static readonly string[] MoreWeather = ["Clear blue skies.", "Thunder and heavy showers."];

    [Theory]
    [InlineData(BatchingMode.Mixed, 2)]
    [InlineData(BatchingMode.SingleTask, 0)]
    public async Task Should_Batch_Rows_Of_Several_Tasks_Only_When_Mixing(BatchingMode mode, int mixedBatches)
    {
        // Given: batches close only when full (4 rows); requests topic, weather, topic, weather of 2 rows each
        using var registry = fixture.Registry();
        await using var predictor = new BatchingPredictor(registry, new BatchingOptions { Mode = mode, MaxBatch = 4, MaxWait = TimeSpan.FromSeconds(30) });
        await predictor.WarmUpAsync();
        var before = predictor.Statistics;

        // When
        var answers = new[]
        {
            predictor.PredictAsync(UserTaskFolder.Topic, TopicInputs),
            predictor.PredictAsync(ServingFixture.Weather, WeatherInputs),
            predictor.PredictAsync(UserTaskFolder.Topic, MoreTopic),
            predictor.PredictAsync(ServingFixture.Weather, MoreWeather),
        };
        await Task.WhenAll(answers);

        // Then: two full batches, mixed (topic+weather twice) or single-task (topic rows first, weather rows held for the second)
        var after = predictor.Statistics;
        Assert.Equal(2, after.DrainedBatches - before.DrainedBatches);
        Assert.Equal(mixedBatches, after.MixedTaskBatches - before.MixedTaskBatches);
        Assert.Equal(0, after.QueuedRows);
        var topic = fixture.Reference(fixture.Catalog.Get(UserTaskFolder.Topic), fixture.TopicFile, [.. TopicInputs, .. MoreTopic]);
        var weather = fixture.Reference(fixture.WeatherTask, fixture.WeatherAdapter, [.. WeatherInputs, .. MoreWeather]);
        AssertScores(topic.Take(2).ToList(), ["sports", "food"], await answers[0]);
        AssertScores(weather.Take(2).ToList(), ["sunny", "rainy"], await answers[1]);
        AssertScores(topic.Skip(2).ToList(), ["sports", "food"], await answers[2]);
        AssertScores(weather.Skip(2).ToList(), ["sunny", "rainy"], await answers[3]);
    }

    [Fact]
    public async Task Should_Not_Wait_For_More_Rows_Of_The_Batch_Task_While_Other_Tasks_Rows_Are_Queued()
    {
        // Given: single-task batches of 2 rows that would wait an hour to fill; one topic row, then two weather rows
        using var registry = fixture.Registry();
        await using var predictor = new BatchingPredictor(registry, new BatchingOptions { Mode = BatchingMode.SingleTask, MaxBatch = 2, MaxWait = TimeSpan.FromHours(1) });
        await predictor.WarmUpAsync();
        var before = predictor.Statistics;

        // When: no second topic row ever comes
        var topic = predictor.PredictAsync(UserTaskFolder.Topic, TopicInputs.Take(1).ToList());
        var weather = predictor.PredictAsync(ServingFixture.Weather, WeatherInputs);
        // (a guard against hanging for the hour, not a timing assertion: without the rule the topic batch waits it out)
        await Task.WhenAll(topic, weather).WaitAsync(TimeSpan.FromMinutes(2));

        // Then: the lone topic row ran as soon as weather rows were queued behind it, then the full weather batch
        var after = predictor.Statistics;
        Assert.Equal(2, after.DrainedBatches - before.DrainedBatches);
        Assert.Equal(0, after.MixedTaskBatches - before.MixedTaskBatches);
        AssertScores(fixture.Reference(fixture.Catalog.Get(UserTaskFolder.Topic), fixture.TopicFile, TopicInputs.Take(1).ToList()), ["sports", "food"], await topic);
        AssertScores(fixture.Reference(fixture.WeatherTask, fixture.WeatherAdapter, WeatherInputs), ["sunny", "rainy"], await weather);
    }

    // One drained batch of three short inputs and one of about 200 tokens, all of one task.
    private static readonly string[] ShortAndLongInputs =
        ["Sunny.", string.Join(' ', Enumerable.Repeat("the weather tomorrow looks grey with a chance of rain", 20)), "Rainy.", "Warm."];

    [Theory]
    [InlineData(null, 2)]     // the default price of a forward: the short rows are not padded to the long one
    [InlineData(100_000, 1)]  // a forward priced above any padding it could save: one forward, the short rows padded
    public async Task Should_Split_A_Batch_By_Input_Length_Only_Where_It_Saves_More_Than_A_Forward_Costs(int? overheadTokens, int forwards)
    {
        // Given
        string[] inputs = ShortAndLongInputs;
        using var registry = fixture.Registry();
        var options = new BatchingOptions { MaxBatch = inputs.Length, MaxWait = TimeSpan.FromSeconds(30) };
        if (overheadTokens is int tokens) options = options with { ForwardOverheadTokens = tokens };
        await using var predictor = new BatchingPredictor(registry, options);
        await predictor.WarmUpAsync();
        var before = predictor.Statistics;

        // When
        var answer = await predictor.PredictAsync(ServingFixture.Weather, inputs);

        // Then: one batch in the expected number of forwards, each row scored as alone either way
        var after = predictor.Statistics;
        Assert.Equal(1, after.DrainedBatches - before.DrainedBatches);
        Assert.Equal(forwards, after.Batches - before.Batches);
        AssertScores(fixture.Reference(fixture.WeatherTask, fixture.WeatherAdapter, inputs), ["sunny", "rainy"], answer);
    }

    [Fact]
    public void Should_Refuse_A_Negative_Forward_Overhead()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new BatchingOptions { ForwardOverheadTokens = -1 }.Validate());
        Assert.Equal(nameof(BatchingOptions.ForwardOverheadTokens), error.ParamName);
        Assert.Throws<ArgumentException>(() => new ServeBenchmarkSettings { ForwardOverheadTokens = -1 }.Validate());
    }

    private static void AssertScores(IReadOnlyList<float[]> expected, string[] labels, IReadOnlyList<ServedPrediction> served) =>
        ServeEndpointTests.AssertSameScores(expected, labels, served.Select(p => (p.Label!, p.Scores.ToDictionary())).ToList());
}
