using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mpt.Serving;
using Mpt.Tests.Pipeline;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>
/// The HTTP API of <c>mpt serve</c> on a real Kestrel server on a free loopback port: the read endpoints, predictions
/// equal to <c>mpt predict</c>'s, and every error as an RFC 7807 problem naming the field or the limit.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class ServeEndpointTests(ServingFixture fixture)
{
    private const double Tolerance = 1e-5;
    private static readonly string[] Inputs = ["Lovely and sturdy, I use it every day.", "Broken on arrival.", "The match ended in a draw."];

    [Fact]
    public async Task Should_Report_Health_Readiness_And_Every_Task_With_Its_Labels()
    {
        await using var server = await fixture.StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("readyz")).StatusCode);
        using var tasks = JsonDocument.Parse(await server.Client.GetStringAsync("v1/tasks"));
        var byName = tasks.RootElement.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal([$"{UserTaskFolder.Reviews}/mpt/seed-1", $"{UserTaskFolder.Reviews}/mpt/seed-2", $"{UserTaskFolder.Reviews}/pt/seed-1", UserTaskFolder.Topic, ServingFixture.Weather],
            byName.Keys.Order(StringComparer.Ordinal));
        // The run's short names: TARGET is the MPT prompt of the lowest seed, TARGET/METHOD the method's lowest seed.
        Assert.Equal([UserTaskFolder.Reviews, $"{UserTaskFolder.Reviews}/mpt"],
            byName[$"{UserTaskFolder.Reviews}/mpt/seed-1"].GetProperty("aliases").EnumerateArray().Select(a => a.GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(["pos", "neg"], byName[$"{UserTaskFolder.Reviews}/pt/seed-1"].GetProperty("labels").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["sunny", "rainy"], byName[ServingFixture.Weather].GetProperty("labels").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(ServingFixture.TopicLength, byName[UserTaskFolder.Topic].GetProperty("prompt_length").GetInt32());
        Assert.Equal(ServingFixture.TopicLength * 384, byName[UserTaskFolder.Topic].GetProperty("parameters").GetInt64());
    }

    [Fact]
    public async Task Should_Describe_The_Api_In_An_OpenApi_Document()
    {
        await using var server = await fixture.StartAsync();

        using var document = JsonDocument.Parse(await server.Client.GetStringAsync("openapi/v1.json"));

        var paths = document.RootElement.GetProperty("paths");
        Assert.Equal(["/healthz", "/readyz", "/v1/tasks", "/v1/tasks/{task}/predict"], paths.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        var predict = paths.GetProperty("/v1/tasks/{task}/predict").GetProperty("post");
        Assert.Equal(["200", "400", "404", "413", "429", "503", "504"], predict.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
        var request = document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty(nameof(PredictRequest));
        Assert.True(request.GetProperty("properties").TryGetProperty("inputs", out _), request.ToString());
    }

    [Theory]
    [InlineData("my-task/mpt/seed-1", "mpt", 1)]
    [InlineData("my-task%2Fmpt%2Fseed-2", "mpt", 2)] // encoded slashes name the same tasks
    [InlineData("my-task", "mpt", 1)]
    [InlineData("my-task/pt", "pt", 1)]
    public async Task Should_Answer_A_Run_Prompt_With_The_Scores_Of_Mpt_Predict(string taskPath, string method, int seed)
    {
        await using var server = await fixture.StartAsync();

        var results = await RunningServer.ResultsOf(await server.PredictAsync(taskPath, Inputs));

        var expected = fixture.Reference(fixture.Catalog.Get(UserTaskFolder.Reviews), fixture.RunAdapter(method, seed), Inputs);
        AssertSameScores(expected, ["pos", "neg"], results);
    }

    [Fact]
    public async Task Should_Answer_A_Prompt_File_And_A_Facade_Adapter_With_Their_Own_Labels()
    {
        await using var server = await fixture.StartAsync();

        var topic = await RunningServer.ResultsOf(await server.PredictAsync(UserTaskFolder.Topic, Inputs));
        var weather = await RunningServer.ResultsOf(await server.PredictAsync(ServingFixture.Weather, Inputs));

        AssertSameScores(fixture.Reference(fixture.Catalog.Get(UserTaskFolder.Topic), fixture.TopicFile, Inputs), ["sports", "food"], topic);
        AssertSameScores(fixture.Reference(fixture.WeatherTask, fixture.WeatherAdapter, Inputs), ["sunny", "rainy"], weather);
    }

    [Fact]
    public async Task Should_Print_What_The_Server_Answers_When_Mpt_Predict_Runs_On_The_Same_Prompt()
    {
        // Given: the inputs as a .txt file, labelled by the real `mpt predict` verb (scores printed to 4 decimals)
        string input = Path.Combine(fixture.Data.Root, "serve-inputs.txt");
        File.WriteAllLines(input, Inputs);
        var predicted = Cli.CliRunner.Run("predict", "--model", "minilm", "--prompt", fixture.RunAdapter("pt", 1),
            "--task", UserTaskFolder.Reviews, "--task-file", fixture.Data.TaskFile, "--input", input);
        Assert.True(predicted.ExitCode == 0, predicted.Error + predicted.Output);
        await using var server = await fixture.StartAsync();

        // When
        var served = await RunningServer.ResultsOf(await server.PredictAsync($"{UserTaskFolder.Reviews}/pt/seed-1", Inputs));

        // Then
        var lines = predicted.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Inputs.Length, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            using var line = JsonDocument.Parse(lines[i]);
            Assert.Equal(line.RootElement.GetProperty("prediction").GetString(), served[i].Label);
            foreach (var score in line.RootElement.GetProperty("scores").EnumerateObject())
                Assert.Equal(score.Value.GetDouble(), served[i].Scores[score.Name], 4);
        }
    }

    [Fact]
    public async Task Should_Refuse_Unknown_Tasks_And_Routes_With_Problem_Details()
    {
        await using var server = await fixture.StartAsync();

        var unknown = await server.PredictAsync("no-such-task", "x");
        var problem = await Problem(unknown, HttpStatusCode.NotFound);
        Assert.Contains("no-such-task", problem.GetProperty("detail").GetString());
        var route = await server.Client.GetAsync("v1/nothing-here");
        await Problem(route, HttpStatusCode.NotFound);
        var notPredict = await server.Client.PostAsJsonAsync($"v1/tasks/{UserTaskFolder.Topic}/explain", new { inputs = new[] { "x" } });
        await Problem(notPredict, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("{\"inputs\": [\"a\"", "body")]
    [InlineData("[\"a\"]", "body")]
    [InlineData("{\"texts\": [\"a\"]}", "inputs")]
    [InlineData("{\"inputs\": \"a\"}", "inputs")]
    [InlineData("{\"inputs\": []}", "inputs")]
    [InlineData("{\"inputs\": [\"a\", 3]}", "inputs[1]")]
    [InlineData("{\"inputs\": [\"a\", null]}", "inputs[1]")]
    public async Task Should_Refuse_A_Bad_Body_Naming_The_Field(string body, string field)
    {
        await using var server = await fixture.StartAsync();

        var response = await server.Client.PostAsync($"v1/tasks/{UserTaskFolder.Topic}/predict", new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await Problem(response, HttpStatusCode.BadRequest);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Contains(field == "body" ? "body" : $"'{field}'", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Should_Refuse_Too_Many_Or_Too_Long_Inputs_And_Too_Large_Bodies_Naming_The_Limit()
    {
        await using var server = await fixture.StartAsync(limits: new ServingLimits { MaxInputsPerRequest = 2, MaxInputCharacters = 10, MaxRequestBodyBytes = 200 });

        var many = await Problem(await server.PredictAsync(UserTaskFolder.Topic, "a", "b", "c"), HttpStatusCode.BadRequest);
        var longInput = await Problem(await server.PredictAsync(UserTaskFolder.Topic, "short", "far too long here"), HttpStatusCode.BadRequest);
        var large = await Problem(await server.PredictAsync(UserTaskFolder.Topic, new string('x', 300)), HttpStatusCode.RequestEntityTooLarge);
        var fits = await server.PredictAsync(UserTaskFolder.Topic, "short", "tiny");

        Assert.Equal("max_inputs_per_request", many.GetProperty("limit").GetString());
        Assert.Contains("at most 2", many.GetProperty("detail").GetString());
        Assert.Equal("max_input_characters", longInput.GetProperty("limit").GetString());
        Assert.Equal("inputs[1]", longInput.GetProperty("field").GetString());
        Assert.Equal("max_request_body_bytes", large.GetProperty("limit").GetString());
        Assert.Equal(2, (await RunningServer.ResultsOf(fits)).Count);
    }

    [Fact]
    public async Task Should_Answer_429_With_Retry_After_When_The_Queue_Cannot_Take_A_Request()
    {
        // A queue of one row refuses a request of two rows whole (nothing of it is queued).
        await using var server = await fixture.StartAsync(new BatchingOptions { MaxBatch = 1, QueueCapacity = 1 });

        var full = await server.PredictAsync(UserTaskFolder.Topic, "a", "b");
        var one = await server.PredictAsync(UserTaskFolder.Topic, "a");

        var problem = await Problem(full, (HttpStatusCode)429);
        Assert.Equal("queue_capacity", problem.GetProperty("limit").GetString());
        Assert.Equal(TimeSpan.FromSeconds(1), full.Headers.RetryAfter?.Delta);
        Assert.Single(await RunningServer.ResultsOf(one));
        Assert.Equal(0, server.Predictor.Statistics.QueuedRows);
    }

    [Fact]
    public async Task Should_Not_Be_Ready_Nor_Predict_Before_The_Warm_Up()
    {
        await using var server = await fixture.StartAsync(warmUp: false);

        var notReady = await server.Client.GetAsync("readyz");
        var early = await server.PredictAsync(UserTaskFolder.Topic, "a");
        var alive = await server.Client.GetAsync("healthz");
        await server.Predictor.WarmUpAsync();
        var ready = await server.Client.GetAsync("readyz");
        var answered = await server.PredictAsync(UserTaskFolder.Topic, "a");

        await Problem(notReady, HttpStatusCode.ServiceUnavailable);
        await Problem(early, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(early.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Single(await RunningServer.ResultsOf(answered));
    }

    internal static void AssertSameScores(IReadOnlyList<float[]> expected, string[] labels, List<(string Label, Dictionary<string, double> Scores)> served)
    {
        Assert.Equal(expected.Count, served.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(labels.Order(StringComparer.Ordinal), served[i].Scores.Keys.Order(StringComparer.Ordinal));
            for (int c = 0; c < labels.Length; c++)
                Assert.True(Math.Abs(expected[i][c] - served[i].Scores[labels[c]]) <= Tolerance,
                    $"row {i} label {labels[c]}: served {served[i].Scores[labels[c]]}, mpt predict {expected[i][c]}");
            Assert.Equal(labels[Mpt.Encoder.ZeroShotScores.ArgMax(expected[i])], served[i].Label);
        }
    }

    /// <summary>The problem details of an error answer: status, content type, and no stack trace.</summary>
    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(" at Mpt.", body);
        Assert.DoesNotContain("   at ", body);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal((int)status, doc.RootElement.GetProperty("status").GetInt32());
        return doc.RootElement.Clone();
    }
}
