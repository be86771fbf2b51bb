using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Mpt.Serving;
using Mpt.Tests.Infrastructure;
using Mpt.Tests.Pipeline;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>
/// <c>PUT</c> / <c>DELETE /v1/adapters/{task}</c>: absent without an admin key, refused without the key or for paths
/// outside <c>--adapter-dir</c>, checked as at start, and atomic: under load every answer is wholly the old or the new prompt's.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class AdapterSwapTests(ServingFixture fixture)
{
    private const string Key = "0123456789abcdef-test-key";
    private static readonly string[] Inputs = ["Sunny and warm.", "Rain all day long.", "Grey and windy."];

    [Fact]
    public async Task Should_Have_No_Adapter_Endpoints_Without_An_Admin_Key()
    {
        await using var server = await fixture.StartAsync();

        var put = await server.Client.PutAsJsonAsync($"v1/adapters/{ServingFixture.Weather}", new { path = fixture.WeatherAdapter });
        var delete = await server.Client.DeleteAsync($"v1/adapters/{ServingFixture.Weather}");

        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        Assert.NotNull(server.Predictor.Find(ServingFixture.Weather));
    }

    [Fact]
    public async Task Should_Refuse_Requests_Without_The_Admin_Key()
    {
        string folder = NewAdapterFolder();
        fixture.SaveRandomAdapter(Path.Combine(folder, "a"), 21);
        await using var server = await fixture.StartAsync(admin: Admin(folder));

        var none = await server.Client.PutAsJsonAsync($"v1/adapters/{ServingFixture.Weather}", new { path = "a" });
        var wrong = await Send(server, HttpMethod.Put, ServingFixture.Weather, new { path = "a" }, key: Key + "x");
        var wrongDelete = await Send(server, HttpMethod.Delete, ServingFixture.Weather, null, key: "Bearer");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongDelete.StatusCode);
        Assert.Equal(0, server.Predictor.AdapterLoads);
        Assert.NotNull(server.Predictor.Find(ServingFixture.Weather));
    }

    [LinuxFact]
    public async Task Should_Refuse_Paths_Leading_Outside_The_Adapter_Folder_And_Adapters_For_Other_Weights()
    {
        // Given: an adapter folder with a link to an adapter outside, an adapter whose weights file links outside, and one for other weights
        string folder = NewAdapterFolder();
        File.CreateSymbolicLink(Path.Combine(folder, "linked"), fixture.WeatherAdapter);
        string partly = Path.Combine(folder, "partly");
        fixture.SaveRandomAdapter(partly, 22);
        string weights = Directory.GetFiles(partly, "*.safetensors").Single();
        File.Delete(weights);
        File.CreateSymbolicLink(weights, Directory.GetFiles(fixture.WeatherAdapter, "*.safetensors").Single());
        fixture.SaveRandomAdapter(Path.Combine(folder, "other"), 23, fixture.Backbone.Fingerprint with { WeightsSha256 = new string('0', 64) });
        await using var server = await fixture.StartAsync(admin: Admin(folder));

        // When / Then
        foreach (string path in (string[])["../weather-adapter", fixture.WeatherAdapter, "linked", "partly", "sub/../../weather-adapter"])
        {
            var response = await Send(server, HttpMethod.Put, ServingFixture.Weather, new { path }, Key);
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)response.StatusCode} {body}");
            Assert.Contains("outside the adapter folder", body);
        }
        var missing = await Send(server, HttpMethod.Put, ServingFixture.Weather, new { path = "absent" }, Key);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        var other = await Send(server, HttpMethod.Put, ServingFixture.Weather, new { path = "other" }, Key);
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        Assert.Contains("Adapter refused", await other.Content.ReadAsStringAsync());
        var noPath = await Send(server, HttpMethod.Put, ServingFixture.Weather, new { file = "other" }, Key);
        Assert.Equal(HttpStatusCode.BadRequest, noPath.StatusCode);
        // Nothing was swapped: the task answers with its prompt from the start.
        ServeEndpointTests.AssertSameScores(fixture.Reference(fixture.WeatherTask, fixture.WeatherAdapter, Inputs), ["sunny", "rainy"],
            await RunningServer.ResultsOf(await server.PredictAsync(ServingFixture.Weather, Inputs)));
        Assert.Equal(0, server.Predictor.AdapterLoads);
    }

    [Fact]
    public async Task Should_Replace_Add_And_Remove_Tasks_With_The_Key()
    {
        string folder = NewAdapterFolder();
        fixture.SaveRandomAdapter(Path.Combine(folder, "new-weather"), 24);
        fixture.SaveRandomAdapter(Path.Combine(folder, "topic-v2"), 25);
        await using var server = await fixture.StartAsync(admin: Admin(folder));
        string added = $"{UserTaskFolder.Topic}/v2";

        // When: weather gets a new prompt (keeping its labels), a new task is added, then removed
        var replaced = await Send(server, HttpMethod.Put, ServingFixture.Weather, new { path = "new-weather" }, Key);
        var created = await Send(server, HttpMethod.Put, added, new { path = Path.Combine(folder, "topic-v2") }, Key);
        var weather = await RunningServer.ResultsOf(await server.PredictAsync(ServingFixture.Weather, Inputs));
        var topic = await RunningServer.ResultsOf(await server.PredictAsync(added, Inputs));
        var tasks = await server.Client.GetStringAsync("v1/tasks");
        var deleted = await Send(server, HttpMethod.Delete, added, null, Key);
        var gone = await server.PredictAsync(added, "x");
        var deletedAgain = await Send(server, HttpMethod.Delete, added, null, Key);

        // Then
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using (var info = JsonDocument.Parse(await created.Content.ReadAsStringAsync()))
            Assert.Equal(["sports", "food"], info.RootElement.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        ServeEndpointTests.AssertSameScores(fixture.Reference(fixture.WeatherTask, Path.Combine(folder, "new-weather"), Inputs), ["sunny", "rainy"], weather);
        ServeEndpointTests.AssertSameScores(fixture.Reference(fixture.Catalog.Get(UserTaskFolder.Topic), Path.Combine(folder, "topic-v2"), Inputs), ["sports", "food"], topic);
        Assert.Contains(added, tasks);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deletedAgain.StatusCode);
        Assert.Equal(2, server.Predictor.AdapterLoads);
    }

    [Fact]
    public async Task Should_Swap_Under_Load_With_Every_Answer_Wholly_Old_Or_New()
    {
        // Given: two adapters for weather; a request's three rows span two batches (max batch 2), so a swap between
        // them would mix prompts if requests did not keep the table they were queued with
        string folder = NewAdapterFolder();
        fixture.SaveRandomAdapter(Path.Combine(folder, "a"), 31);
        fixture.SaveRandomAdapter(Path.Combine(folder, "b"), 32);
        var expected = new Dictionary<string, IReadOnlyList<float[]>>
        {
            ["a"] = fixture.Reference(fixture.WeatherTask, Path.Combine(folder, "a"), Inputs),
            ["b"] = fixture.Reference(fixture.WeatherTask, Path.Combine(folder, "b"), Inputs),
        };
        await using var server = await fixture.StartAsync(new BatchingOptions { MaxBatch = 2, MaxWait = TimeSpan.FromMilliseconds(1) }, admin: Admin(folder));
        Assert.Equal(HttpStatusCode.OK, (await Send(server, HttpMethod.Put, ServingFixture.Weather, new { path = "a" }, Key)).StatusCode);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        using var swapsDone = CancellationTokenSource.CreateLinkedTokenSource(bound.Token);
        int failed = 0, mixed = 0, answered = 0;

        // When: four clients send requests (at most 100 each) while six swaps alternate b, a, b, ...
        var clients = Enumerable.Range(0, 4).Select(async _ =>
        {
            for (int i = 0; i < 100 && !swapsDone.IsCancellationRequested; i++)
            {
                var response = await server.PredictAsync(ServingFixture.Weather, Inputs);
                if (!response.IsSuccessStatusCode) { Interlocked.Increment(ref failed); continue; }
                var served = await RunningServer.ResultsOf(response);
                if (expected.Values.Any(e => Matches(e, served))) Interlocked.Increment(ref answered);
                else Interlocked.Increment(ref mixed);
            }
        }).ToList();
        string last = "a";
        for (int swap = 0; swap < 6; swap++)
        {
            last = last == "a" ? "b" : "a";
            var response = await Send(server, HttpMethod.Put, ServingFixture.Weather, new { path = last }, Key);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        swapsDone.Cancel();
        await Task.WhenAll(clients);

        // Then
        Assert.Equal(0, failed);
        Assert.Equal(0, mixed);
        Assert.True(answered > 0);
        Assert.Equal(7, server.Predictor.AdapterLoads);
        Assert.True(Matches(expected[last], await RunningServer.ResultsOf(await server.PredictAsync(ServingFixture.Weather, Inputs))));
        Assert.Equal(0, server.Predictor.Statistics.QueuedRows);
    }

    private static bool Matches(IReadOnlyList<float[]> expected, List<(string Label, Dictionary<string, double> Scores)> served) =>
        served.Count == expected.Count && served.Select((r, i) => Math.Abs(r.Scores["sunny"] - expected[i][0]) <= 1e-4 && Math.Abs(r.Scores["rainy"] - expected[i][1]) <= 1e-4).All(m => m);

    private string NewAdapterFolder()
    {
        string folder = Path.Combine(fixture.Data.Root, $"adapters-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static AdminOptions Admin(string folder) => new() { AdminKey = Key, AdapterDirectory = folder };

    private static Task<HttpResponseMessage> Send(RunningServer server, HttpMethod method, string task, object? body, string key)
    {
        var request = new HttpRequestMessage(method, $"v1/adapters/{task}") { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return server.Client.SendAsync(request);
    }
}
