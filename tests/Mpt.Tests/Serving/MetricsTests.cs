using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Mpt.Serving;
using Mpt.Tests.Pipeline;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary><c>GET /metrics</c>: the serving instruments in Prometheus text, with the values of the traffic just sent.</summary>
[Collection(ServingCollection.Name)]
public sealed class MetricsTests(ServingFixture fixture)
{
    [Fact]
    public async Task Should_Export_The_Counters_And_Histograms_Of_The_Requests_Served()
    {
        // Given: a server that can load adapters
        string folder = Path.Combine(fixture.Data.Root, $"metrics-adapters-{Guid.NewGuid():N}");
        fixture.SaveRandomAdapter(Path.Combine(folder, "w"), 41);
        const string key = "metrics-test-admin-key";
        await using var server = await fixture.StartAsync(admin: new AdminOptions { AdminKey = key, AdapterDirectory = folder });

        // When: three topic requests of two inputs, one weather request, one for an unknown task, one adapter load
        for (int i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await server.PredictAsync(UserTaskFolder.Topic, "a", "b")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.PredictAsync(ServingFixture.Weather, "sun")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.PredictAsync("nope", "x")).StatusCode);
        var put = new HttpRequestMessage(HttpMethod.Put, $"v1/adapters/{ServingFixture.Weather}") { Content = JsonContent.Create(new { path = "w" }) };
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(put)).StatusCode);
        var response = await server.Client.GetAsync("metrics");
        string text = await response.Content.ReadAsStringAsync();

        // Then
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(3, Value(text, "mpt_serving_requests_total", "task=\"user-topic\"", "http_response_status_code=\"200\""));
        Assert.Equal(1, Value(text, "mpt_serving_requests_total", "task=\"weather\"", "http_response_status_code=\"200\""));
        Assert.Equal(1, Value(text, "mpt_serving_requests_total", "task=\"(unknown)\"", "http_response_status_code=\"404\""));
        Assert.Equal(7, Value(text, "mpt_serving_rows_total"));                 // warm-up rows are not counted
        Assert.Equal(7, Value(text, "mpt_serving_batch_rows_sum"));
        Assert.Equal(7, Value(text, "mpt_serving_queue_wait_seconds_count"));   // one wait per row
        Assert.Equal(4, Value(text, "mpt_serving_request_duration_seconds_count", "http_response_status_code=\"200\""));
        Assert.Equal(1, Value(text, "mpt_serving_request_duration_seconds_count", "http_response_status_code=\"404\""));
        Assert.Equal(1, Value(text, "mpt_serving_adapter_loads_total"));
        Assert.Equal(0, Value(text, "mpt_serving_queue_depth"));
    }

    /// <summary>The value of the one sample of <paramref name="metric"/> whose labels include every one of <paramref name="labels"/>.</summary>
    private static double Value(string text, string metric, params string[] labels)
    {
        var samples = text.Split('\n')
            .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(l => labels.All(label => l.Contains(label, StringComparison.Ordinal)))
            .ToList();
        Assert.True(samples.Count == 1, $"{metric} {string.Join(",", labels)}: {samples.Count} samples in\n{text}");
        string[] parts = samples[0].Split(' ');
        // "name{labels} value" or "name{labels} value timestamp": the value follows the closing brace (label values have no spaces here).
        return double.Parse(parts[1], CultureInfo.InvariantCulture);
    }
}
