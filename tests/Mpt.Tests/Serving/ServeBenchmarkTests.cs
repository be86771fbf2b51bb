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
            // the server-side profile: the worker ran forwards, and its busy time is part of the wall time
            Assert.True(result.ForwardMs > 0 && result.BatchMs > 0);
            Assert.InRange(result.WorkerBusy, 1e-6, 1.0);
            Assert.True(result.QueueWaitMs >= 0 && result.ProcessCpu > 0);
            Assert.True(result.TorchThreads >= 1);
            Assert.Contains("\"rows_per_s\":", result.ToJsonLine());
        }
        Assert.Equal(1, results.Single(r => r.Mode == "no-batching").MeanBatchRows);
        Assert.Equal(24, results.Single(r => r.Mode == "no-batching").Forwards);
    }

    [Fact]
    public async Task Should_Run_The_Modes_In_Turn_For_Each_Round_And_Call_The_Predictor_Directly_Without_Http()
    {
        // Given: two rounds of two modes, clients calling the predictor in process
        using var registry = new PromptRegistry(fixture.Backbone, fixture.Catalog);
        var tasks = ServeBenchmark.AddRandomPrompts(registry, fixture.Catalog, 2, 5, seed: 4);
        var settings = new ServeBenchmarkSettings
        {
            Clients = 3, Requests = 6, WarmupRequests = 2, MaxSeconds = 60, Modes = ["mixed", "no-batching"], Rounds = 2, Http = false,
        };
        var results = new List<ServeBenchmarkResult>();

        // When
        await ServeBenchmark.RunAsync(registry, tasks, settings, results.Add);

        // Then: A B A B, every request answered rightly
        Assert.Equal(["mixed", "no-batching", "mixed", "no-batching"], results.Select(r => r.Mode));
        Assert.Equal([1, 1, 2, 2], results.Select(r => r.Round));
        Assert.All(results, r =>
        {
            Assert.False(r.Http);
            Assert.Equal(0, r.Failed);
            Assert.Equal(6, r.Rows);
            Assert.True(r.Forwards >= 1);
        });
        Assert.Contains("\"http\":false", results[0].ToJsonLine());
    }

    [Fact]
    public async Task Should_Sample_Memory_Through_A_Soak_And_Sum_It_Up()
    {
        // Given: a soak of 2 s sampled every second
        using var registry = new PromptRegistry(fixture.Backbone, fixture.Catalog);
        var tasks = ServeBenchmark.AddRandomPrompts(registry, fixture.Catalog, 2, 5, seed: 5);
        var settings = new ServeBenchmarkSettings { Clients = 2, WarmupRequests = 2, Modes = ["mixed"] };
        var samples = new List<ServeSoakSample>();

        // When
        var summary = await ServeBenchmark.SoakAsync(registry, tasks, settings, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), samples.Add);

        // Then: a sample at the start and one at the end at least, in time order; the summary is of those samples
        Assert.True(samples.Count >= 2);
        Assert.Equal(samples.Count, summary.Samples);
        Assert.Equal(samples.Select(s => s.Seconds).Order(), samples.Select(s => s.Seconds));
        Assert.All(samples, s => Assert.True(s.RssMib > 0 && s.ManagedMib > 0 && s.Failed == 0));
        Assert.Equal(samples[0].RssMib, summary.RssFirstMib);
        Assert.Equal(samples[^1].RssMib, summary.RssLastMib);
        Assert.Equal(samples.Max(s => s.RssMib), summary.RssMaxMib);
        Assert.Equal(0, summary.Failed);
        Assert.True(summary.Rows > 0 && summary.Rows == samples[^1].Rows);
        Assert.Contains("\"bench\":\"serve-soak\"", summary.ToJsonLine());
        Assert.Contains("\"t_s\":", samples[0].ToJsonLine());
    }

    [Fact]
    public void Should_Fit_The_Memory_Slope_In_MiB_Per_Minute()
    {
        // RSS = 100 + 2 MiB per minute, with a dip that least squares averages out
        var samples = new[] { 0.0, 30, 60, 90, 120 }.Select(t => new ServeSoakSample
        {
            Mode = "mixed", Seconds = t, RssMib = 100 + 2 * t / 60 + (t == 60 ? -1 : 0) + (t is 30 or 90 ? 0.5 : 0), ManagedMib = 1, Rows = 0, Failed = 0,
        }).ToList();

        Assert.Equal(2, ServeSoakResult.SlopePerMinute(samples), 6);
        Assert.Equal(0, ServeSoakResult.SlopePerMinute(samples.Take(1).ToList()));
        var summary = ServeSoakResult.Of("mixed", samples, rows: 10, failed: 0, seconds: 120, p99Ms: 1);
        Assert.Equal(2, summary.SlopeMibPerMin);
        Assert.Equal(Math.Round(ServeSoakResult.SlopePerMinute(samples.Skip(2).ToList()), 2), summary.LateSlopeMibPerMin);
    }

    [Fact]
    public void Should_Refuse_Fewer_Than_One_Round()
    {
        var error = Assert.Throws<ArgumentException>(() => new ServeBenchmarkSettings { Rounds = 0 }.Validate());

        Assert.Contains("--rounds", error.Message);
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
