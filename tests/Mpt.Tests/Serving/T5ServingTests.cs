using System.Text.Json;
using Mpt.Serving;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>
/// <c>mpt serve --model T5_DIR</c>: a task with labels answered by rank classification (every label's log-likelihood),
/// a task without labels by greedy generation, each equal to what the evaluator behind <c>mpt predict</c> computes for
/// the task alone, whether the row is alone, in a request of several rows, or in a batch mixing tasks (two label sets
/// and a generation task in one encoder pass, plus a task of another prompt length).
/// </summary>
[Collection(T5ServingCollection.Name)]
public sealed class T5ServingTests(T5ServingFixture fixture)
{
    private static readonly string[] Inputs = ["The cat sat on the mat.", "A very long sentence about nothing at all, written to need more tokens than the others.", "Yes."];

    /// <summary>One served answer: the label and scores, or the text.</summary>
    private sealed record Answer(string? Label, Dictionary<string, double>? Scores, string? Text);

    [Fact]
    public async Task Should_Answer_Each_Task_Alone_As_The_Evaluator_Does()
    {
        await using var server = await fixture.StartAsync();

        var yesNo = await AnswersOf(await server.PredictAsync(T5ServingFixture.YesNo, Inputs));
        var colour = await AnswersOf(await server.PredictAsync(T5ServingFixture.Colour, Inputs));
        var size = await AnswersOf(await server.PredictAsync(T5ServingFixture.Size, Inputs));
        var echo = await AnswersOf(await server.PredictAsync(T5ServingFixture.Echo, Inputs));

        AssertRankScores(fixture.RankReference(T5ServingFixture.YesNo, T5ServingFixture.YesNoLabels, Inputs), T5ServingFixture.YesNoLabels, yesNo);
        AssertRankScores(fixture.RankReference(T5ServingFixture.Colour, T5ServingFixture.ColourLabels, Inputs), T5ServingFixture.ColourLabels, colour);
        AssertRankScores(fixture.RankReference(T5ServingFixture.Size, T5ServingFixture.SizeLabels, Inputs), T5ServingFixture.SizeLabels, size);
        AssertTexts(fixture.GenerationReference(T5ServingFixture.Echo, Inputs), echo);
        // (non-empty texts that differ by input, so the comparison above can tell generations apart)
        Assert.All(echo, a => Assert.NotEmpty(a.Text!));
        Assert.True(echo.Select(a => a.Text).Distinct().Count() > 1, string.Join(" | ", echo.Select(a => a.Text)));
    }

    [Fact]
    public async Task Should_Answer_A_Batch_Mixing_Two_Label_Sets_A_Generation_Task_And_Another_Prompt_Length_With_Each_Tasks_Own_Answer()
    {
        // Given: a batch closes only when full (5 rows), so the concurrent requests land in one drained batch
        var requests = new (string Task, string Input)[]
        {
            (T5ServingFixture.YesNo, Inputs[0]),
            (T5ServingFixture.Colour, Inputs[1]),
            (T5ServingFixture.Echo, Inputs[2]),
            (T5ServingFixture.YesNo, Inputs[1]),
            (T5ServingFixture.Size, Inputs[0]),   // l = 5: its own encoder pass
        };
        await using var server = await fixture.StartAsync(new BatchingOptions { MaxBatch = requests.Length, MaxWait = TimeSpan.FromSeconds(30) });
        var before = server.Predictor.Statistics;

        // When
        var responses = await Task.WhenAll(requests.Select(r => server.PredictAsync(r.Task, r.Input)));

        // Then: one drained batch mixing tasks, one encoder pass per prompt length (3 and 5)
        var after = server.Predictor.Statistics;
        Assert.Equal(requests.Length, after.LargestBatch);
        Assert.Equal(before.DrainedBatches + 1, after.DrainedBatches);
        Assert.Equal(before.MixedTaskBatches + 1, after.MixedTaskBatches);
        Assert.Equal(before.Batches + 2, after.Batches);
        var answers = new List<Answer>();
        foreach (var response in responses) answers.Add(Assert.Single(await AnswersOf(response)));
        AssertRankScores(fixture.RankReference(T5ServingFixture.YesNo, T5ServingFixture.YesNoLabels, [Inputs[0], Inputs[1]]), T5ServingFixture.YesNoLabels, [answers[0], answers[3]]);
        AssertRankScores(fixture.RankReference(T5ServingFixture.Colour, T5ServingFixture.ColourLabels, [Inputs[1]]), T5ServingFixture.ColourLabels, [answers[1]]);
        AssertTexts(fixture.GenerationReference(T5ServingFixture.Echo, [Inputs[2]]), [answers[2]]);
        AssertRankScores(fixture.RankReference(T5ServingFixture.Size, T5ServingFixture.SizeLabels, [Inputs[0]]), T5ServingFixture.SizeLabels, [answers[4]]);
    }

    [Fact]
    public async Task Should_Give_The_Same_Answers_Without_Batching()
    {
        await using var server = await fixture.StartAsync(new BatchingOptions { MaxBatch = 1, MaxWait = TimeSpan.Zero });

        var colour = await AnswersOf(await server.PredictAsync(T5ServingFixture.Colour, Inputs));
        var echo = await AnswersOf(await server.PredictAsync(T5ServingFixture.Echo, Inputs));

        Assert.Equal(1, server.Predictor.Statistics.LargestBatch);
        AssertRankScores(fixture.RankReference(T5ServingFixture.Colour, T5ServingFixture.ColourLabels, Inputs), T5ServingFixture.ColourLabels, colour);
        AssertTexts(fixture.GenerationReference(T5ServingFixture.Echo, Inputs), echo);
    }

    [Fact]
    public async Task Should_Answer_A_Swapped_In_Adapter_With_Its_Own_Prompt_And_Labels()
    {
        // Given: the generation task's name now serves the colour adapter (its mpt_task.json brings the labels)
        using var registry = new PromptRegistry(fixture.Backbone, fixture.Catalog);
        foreach (string source in fixture.Sources) registry.Add(source);
        await using var predictor = new BatchingPredictor(registry);
        await predictor.WarmUpAsync();

        // When
        var (task, replaced) = await predictor.SetAdapterAsync(T5ServingFixture.Echo, fixture.Adapter(T5ServingFixture.Colour));
        var answers = await predictor.PredictAsync(T5ServingFixture.Echo, Inputs);

        // Then: rank classification over the colour labels with the colour prompt
        Assert.True(replaced);
        Assert.Equal(T5ServingFixture.ColourLabels, task.Labels);
        AssertRankScores(fixture.RankReference(T5ServingFixture.Colour, T5ServingFixture.ColourLabels, Inputs), T5ServingFixture.ColourLabels,
            answers.Select(a => new Answer(a.Label, a.Scores.ToDictionary(), a.Text)).ToList());
    }

    [Fact]
    public async Task Should_Serve_The_Text_Mpt_Predict_Writes_For_A_Task_Without_Labels()
    {
        // Given: the inputs as a .txt file, generated by the real `mpt predict` verb with the same prompt
        string input = fixture.Workspace.WriteText("serve-inputs.txt", string.Join('\n', Inputs));
        var predicted = Cli.CliRunner.Run("predict", "--model", fixture.Workspace.ModelDir, "--prompt", fixture.Adapter(T5ServingFixture.Echo), "--input", input);
        Assert.True(predicted.ExitCode == 0, predicted.Error + predicted.Output);
        await using var server = await fixture.StartAsync();

        // When
        var served = await AnswersOf(await server.PredictAsync(T5ServingFixture.Echo, Inputs));

        // Then
        var lines = predicted.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Inputs.Length, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            using var line = JsonDocument.Parse(lines[i]);
            Assert.Equal(line.RootElement.GetProperty("prediction").GetString(), served[i].Text);
        }
    }

    [Fact]
    public async Task Should_Run_The_Serve_Benchmark_On_Random_T5_Prompts_And_A_Generation_Task()
    {
        // Given: two random prompts (as mpt bench serve registers them) and the four adapters, the generation task among them
        using var registry = new PromptRegistry(fixture.Backbone, fixture.Catalog);
        foreach (string source in fixture.Sources) registry.Add(source);
        ServeBenchmark.AddRandomPrompts(registry, fixture.Catalog, 2, 4, seed: 5);
        var settings = new ServeBenchmarkSettings { Clients = 3, Requests = 12, WarmupRequests = 2, MaxSeconds = 60, InputsPerRequest = 1, Modes = ["mixed"] };
        var results = new List<ServeBenchmarkResult>();

        // When
        await ServeBenchmark.RunAsync(registry, registry.Tasks, settings, results.Add);

        // Then: every answer accepted (a label of the task's with every label scored, or a text)
        var result = Assert.Single(results);
        Assert.Equal(0, result.Failed);
        Assert.Equal(12, result.Rows);
        Assert.Equal(6, result.Tasks);
    }

    /// <summary>The results of a 200 predict answer, checking that a result is either a label with scores or a text.</summary>
    private static async Task<List<Answer>> AnswersOf(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("results").EnumerateArray().Select(r =>
        {
            bool text = r.TryGetProperty("text", out var t);
            Assert.Equal(text, !r.TryGetProperty("label", out _));
            Assert.Equal(text, !r.TryGetProperty("scores", out _));
            return text
                ? new Answer(null, null, t.GetString())
                : new Answer(r.GetProperty("label").GetString(), r.GetProperty("scores").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble()), null);
        }).ToList();
    }

    /// <summary>
    /// 1e-5, relative beyond |score| = 1. A label's log-likelihood is a float32 sum over its tokens of log-softmaxes over
    /// the vocabulary; this model's are -15 to -50, where one float32 ulp is 1.9e-6 to 3.8e-6, and a row padded
    /// differently (alone, or next to a longer input) runs through differently blocked matrix products and lands a few
    /// ulps away (measured: up to 1.1e-5 at -41, between a row served alone and the evaluator's batch of three); a
    /// wrong prompt moves scores by ~0.5 (checked by serving every row with the first row's prompt).
    /// </summary>
    private static double Tolerance(double expected) => 1e-5 * Math.Max(1.0, Math.Abs(expected));

    /// <summary>Every label's log-likelihood within <see cref="Tolerance"/> of the evaluator's, and the best label (the first on ties) as the label.</summary>
    private static void AssertRankScores(double[,] expected, string[] labels, IReadOnlyList<Answer> served)
    {
        Assert.Equal(expected.GetLength(0), served.Count);
        int[] best = Mpt.Evaluation.RankClassifier.Best(expected);
        for (int i = 0; i < served.Count; i++)
        {
            Assert.Null(served[i].Text);
            Assert.Equal(labels.Order(StringComparer.Ordinal), served[i].Scores!.Keys.Order(StringComparer.Ordinal));
            for (int c = 0; c < labels.Length; c++)
                Assert.True(Math.Abs(expected[i, c] - served[i].Scores![labels[c]]) <= Tolerance(expected[i, c]),
                    $"row {i}, label {labels[c]}: served {served[i].Scores![labels[c]]}, evaluator {expected[i, c]}");
            Assert.Equal(labels[best[i]], served[i].Label);
        }
    }

    private static void AssertTexts(IReadOnlyList<string> expected, IReadOnlyList<Answer> served)
    {
        Assert.Equal(expected, served.Select(a => a.Text));
        Assert.All(served, a => Assert.Null(a.Label));
    }
}
