using Mpt.Serving;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>
/// A served prompt whose <c>mpt_task.json</c> records that its training inputs started with the task prefix gets each
/// request's input written the same way (as <c>mpt predict</c> does); before, the server encoded the bare input.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class TrainedInputFormatServingTests(ServingFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-serve-prefix-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Should_Write_The_Recorded_Prefix_Before_Each_Input()
    {
        // Given: the weather adapter twice, once recording the prefix "weather"
        string prefixed = Path.Combine(_dir, "prefixed");
        Directory.CreateDirectory(prefixed);
        foreach (string file in Directory.GetFiles(fixture.WeatherAdapter)) File.Copy(file, Path.Combine(prefixed, Path.GetFileName(file)));
        PromptTaskFile.Write(prefixed, PromptTaskFile.Read(prefixed)! with { InputPrefix = "weather" });
        using var registry = new PromptRegistry(fixture.Backbone, fixture.Catalog);
        registry.Add($"plain={fixture.WeatherAdapter}");
        var added = registry.Add($"prefixed={prefixed}");
        await using var predictor = new BatchingPredictor(registry, new BatchingOptions { MaxBatch = 4, MaxWait = TimeSpan.Zero });
        await predictor.WarmUpAsync();

        // When
        const string input = "Grey skies and showers all day.";
        var recorded = (await predictor.PredictAsync("prefixed", [input]))[0];
        var written = (await predictor.PredictAsync("plain", [$"weather {input}"]))[0];
        var bare = (await predictor.PredictAsync("plain", [input]))[0];

        // Then
        Assert.Equal("weather", Assert.Single(added).InputPrefix);
        foreach (var (label, score) in written.Scores) Assert.Equal(score, recorded.Scores[label], 5);
        Assert.Contains(bare.Scores, kv => Math.Abs(kv.Value - recorded.Scores[kv.Key]) > 1e-5);
    }
}
