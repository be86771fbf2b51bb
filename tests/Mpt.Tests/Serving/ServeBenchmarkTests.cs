using Mpt.Serving;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary><c>mpt bench serve</c>'s load generator against real servers: every mode answered in full, nothing failed; no timings asserted.</summary>
[Collection(ServingCollection.Name)]
public sealed class ServeBenchmarkTests(ServingFixture fixture)
{
    [Fact]
    public async Task Should_Report_Every_Mode_With_All_Requests_Answered()
    {
        // Given: three random prompts (two receive requests), four clients, a dozen requests per mode
        using var registry = new PromptRegistry(fixture.Backbone, fixture.Catalog);
        var tasks = ServeBenchmark.AddRandomPrompts(registry, fixture.Catalog, 3, 5, seed: 3).Take(2).ToList();
        var settings = new ServeBenchmarkSettings { Clients = 4, Requests = 12, WarmupRequests = 4, MaxSeconds = 60, InputsPerRequest = 2 };
        var results = new List<ServeBenchmarkResult>();

        // When
        await ServeBenchmark.RunAsync(registry, tasks, settings, results.Add);

        // Then
        Assert.Equal(ServeBenchmarkSettings.ModeNames, results.Select(r => r.Mode));
        foreach (var result in results)
        {
            Assert.Equal(0, result.Failed);
            Assert.False(result.TimedOut);
            Assert.Equal(12, result.Requests);
            Assert.Equal(24, result.Rows);
            Assert.Equal(2, result.Tasks);
            Assert.Equal(3, result.RegisteredTasks);
            Assert.True(result.P99Ms >= result.P50Ms && result.P50Ms > 0);
            Assert.Contains("\"rows_per_s\":", result.ToJsonLine());
        }
        Assert.Equal(1, results.Single(r => r.Mode == "no-batching").MeanBatchRows);
        Assert.Equal(24, results.Single(r => r.Mode == "no-batching").Forwards);
    }

    [Fact]
    public void Should_Take_The_Nearest_Rank_Percentile()
    {
        double[] values = [5, 1, 4, 2, 3];

        Assert.Equal(3, ServeBenchmark.Percentile(values, 0.5));
        Assert.Equal(5, ServeBenchmark.Percentile(values, 0.99));
        Assert.Equal(0, ServeBenchmark.Percentile([], 0.5));
    }

    [Fact]
    public void Should_Refuse_An_In_Memory_Prompt_Of_Another_Width()
    {
        using var registry = new PromptRegistry(fixture.Backbone, fixture.Catalog);
        using var values = TorchSharp.torch.zeros(4, 16);

        var error = Assert.Throws<ArgumentException>(() => registry.Add("narrow", fixture.WeatherTask, new Mpt.Prompts.SoftPrompt(values)));

        Assert.Contains("width 16", error.Message);
        Assert.Empty(registry.Tasks);
    }
}
