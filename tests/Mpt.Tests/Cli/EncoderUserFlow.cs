using System.Text.Json;
using Mpt.Pipeline;
using Mpt.Tests.Pipeline;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// The steps of a new user's flow on an encoder backbone (<c>minilm</c> or a BERT folder) that the CLI tests share:
/// <c>mpt run</c> on the <see cref="UserTaskFolder"/> tasks with a small config, <c>mpt predict</c> with every label's
/// score, and <c>mpt evaluate</c>, which must give the test accuracy results.json's run recorded.
/// </summary>
internal static class EncoderUserFlow
{
    /// <summary>Writes a small config (2 steps per stage, prompt length <paramref name="promptLength"/>) and runs the pipeline; returns the run folder.</summary>
    public static string Run(UserTaskFolder data, string model, int promptLength, int maxSourceLength)
    {
        string run = Path.Combine(data.Root, "R");
        var result = CliRunner.Run([.. RunArgs(data, model, promptLength, maxSourceLength), "--run-dir", run, "--quiet"]);
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        return run;
    }

    /// <summary>
    /// Writes the small config and returns the <c>mpt run</c> arguments without the run folder: <paramref name="maxSteps"/>
    /// steps per run (dev evaluation every step), <paramref name="loop"/> added to every stage's loop.
    /// </summary>
    public static string[] RunArgs(UserTaskFolder data, string model, int promptLength, int maxSourceLength, int maxSteps = 2, string loop = "")
    {
        string config = Path.Combine(data.Root, "small.json");
        string loopJson = $$"""{"max_steps": {{maxSteps}}, "batch_size": 4, "max_source_length": {{maxSourceLength}}, "warmup_steps": 1, "eval_every_steps": 1{{loop}}}""";
        File.WriteAllText(config, $$"""
        {"add_prefix": false,
         "teachers": {"prompt_length": {{promptLength}}, "loop": {{loopJson}} },
         "distill": {"prompt_length": {{promptLength}}, "loop": {{loopJson}} },
         "adapt": {"methods": ["mpt", "pt", "spot"], "prompt_length": {{promptLength}}, "few_shot": 2, "few_shot_per_class": true, "seeds": [1], "loop": {{loopJson}} } }
        """);
        return ["run", "--config", config, "--model", model, "--task-file", data.TaskFile,
            "--source", $"{UserTaskFolder.Polarity}={data.DataDir(UserTaskFolder.Polarity)}",
            "--source", $"{UserTaskFolder.Topic}={data.DataDir(UserTaskFolder.Topic)}",
            "--target", $"{UserTaskFolder.Reviews}={data.DataDir(UserTaskFolder.Reviews)}"];
    }

    /// <summary>The folder of the MPT target run of seed 1.</summary>
    public static string AdaptedRun(string run) => Path.Combine(run, PipelineRunner.AdaptDir, UserTaskFolder.Reviews, "mpt", "seed-1");

    /// <summary>Writes two new rows to label, without the label column (a user labelling new text has none); returns the input file.</summary>
    public static string WriteNewRows(UserTaskFolder data, string positive, string negative)
    {
        string input = Path.Combine(data.Root, "new.jsonl");
        File.WriteAllLines(input, [JsonSerializer.Serialize(new { text = positive }), JsonSerializer.Serialize(new { text = negative })]);
        return input;
    }

    /// <summary>
    /// <c>mpt predict</c> prints one line per (unlabelled) row with the score of every label and no target, and the
    /// prediction is the best-scored label.
    /// </summary>
    public static void PredictShouldScoreEveryLabel(UserTaskFolder data, string model, string adapted, string input)
    {
        var predicted = CliRunner.Run("predict", "--model", model, "--prompt", adapted,
            "--task", UserTaskFolder.Reviews, "--task-file", data.TaskFile, "--input", input, "--no-task-prefix");
        Assert.True(predicted.ExitCode == 0, predicted.Error + predicted.Output);
        var lines = predicted.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        foreach (string line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var scores = doc.RootElement.GetProperty("scores");
            Assert.Equal(["neg", "pos"], scores.EnumerateObject().Select(p => p.Name).Order());
            string best = scores.EnumerateObject().OrderByDescending(p => p.Value.GetDouble()).First().Name;
            Assert.Equal(best, doc.RootElement.GetProperty("prediction").GetString());
            Assert.False(doc.RootElement.TryGetProperty("target", out _), line);
        }
    }

    /// <summary><c>mpt evaluate</c> uses the pipeline's scorer, so its test accuracy is the one the run recorded in test_results.json.</summary>
    public static void EvaluateShouldMatchTheRun(UserTaskFolder data, string model, string adapted, int maxSourceLength)
    {
        string evaluation = Path.Combine(data.Root, "eval.json");
        var evaluated = CliRunner.Run("evaluate", "--model", model, "--task", UserTaskFolder.Reviews, "--task-file", data.TaskFile,
            "--data", data.DataDir(UserTaskFolder.Reviews), "--split", "test", "--prompt", Path.Combine(adapted, PipelineRunner.AdapterDir),
            "--no-task-prefix", "--max-source-length", maxSourceLength.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", evaluation);
        Assert.True(evaluated.ExitCode == 0, evaluated.Error + evaluated.Output);
        using var report = JsonDocument.Parse(File.ReadAllText(evaluation));
        using var test = JsonDocument.Parse(File.ReadAllText(Path.Combine(adapted, PipelineRunner.TestResultsFile)));
        Assert.Equal(test.RootElement.GetProperty("tasks").GetProperty(UserTaskFolder.Reviews).GetProperty("metrics").GetProperty("accuracy").GetDouble(),
            report.RootElement.GetProperty("tasks").GetProperty(UserTaskFolder.Reviews).GetProperty("metrics").GetProperty("accuracy").GetDouble(), 9);
    }
}
