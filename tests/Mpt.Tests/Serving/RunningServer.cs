using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Mpt.Serving;

namespace Mpt.Tests.Serving;

/// <summary>A started server on a loopback port with a client bound to it; stopping it drains and frees everything.</summary>
public sealed class RunningServer(PromptRegistry registry, BatchingPredictor predictor, WebApplication app) : IAsyncDisposable
{
    public PromptRegistry Registry => registry;

    public BatchingPredictor Predictor => predictor;

    public WebApplication App => app;

    /// <summary>A client of this server (loopback only; every call bounded by the timeout).</summary>
    public HttpClient Client { get; } = new() { BaseAddress = MptServer.Address(app), Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>POST /v1/tasks/{task}/predict with <paramref name="inputs"/>.</summary>
    public Task<HttpResponseMessage> PredictAsync(string taskPath, params string[] inputs) =>
        Client.PostAsJsonAsync($"v1/tasks/{taskPath}/predict", new { inputs });

    /// <summary>The label and scores of every result of a 200 predict answer.</summary>
    public static async Task<List<(string Label, Dictionary<string, double> Scores)>> ResultsOf(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{(int)response.StatusCode}: {body}");
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("results").EnumerateArray().Select(r => (
            r.GetProperty("label").GetString()!,
            r.GetProperty("scores").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble()))).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        await predictor.DisposeAsync();
        registry.Dispose();
    }
}
