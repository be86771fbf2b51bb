using System.Text.Json;
using Mpt.Pipeline;
using Mpt.Reports;
using Mpt.Tests.Encoder;
using Mpt.Tests.Pipeline;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// What a new user types: <c>mpt run --model minilm</c> with a task file and their own JSONL folders, then
/// <c>mpt predict --model minilm</c> on new rows, which prints the label and every label's score.
/// </summary>
[Collection(MiniLMCollection.Name)] // the embedded model's files are extracted once, by the fixture
public sealed class EncoderCliTests(MiniLMFixture fixture)
{
    [Fact]
    public void Should_Run_The_Pipeline_With_Minilm_On_User_Tasks_Then_Label_New_Rows_With_Scores()
    {
        Assert.True(File.Exists(fixture.Files.ModelPath));
        using var data = new UserTaskFolder();
        string config = Path.Combine(data.Root, "small.json");
        const string loop = """{"max_steps": 2, "batch_size": 4, "max_source_length": 24, "warmup_steps": 1, "eval_every_steps": 1}""";
        File.WriteAllText(config, $$"""
        {"add_prefix": false,
         "teachers": {"prompt_length": 4, "loop": {{loop}} },
         "distill": {"prompt_length": 4, "loop": {{loop}} },
         "adapt": {"methods": ["mpt", "pt", "spot"], "prompt_length": 4, "few_shot": 2, "few_shot_per_class": true, "seeds": [1], "loop": {{loop}} } }
        """);
        string run = Path.Combine(data.Root, "R");

        var result = CliRunner.Run("run", "--config", config, "--model", "minilm", "--task-file", data.TaskFile,
            "--source", $"{UserTaskFolder.Polarity}={data.DataDir(UserTaskFolder.Polarity)}",
            "--source", $"{UserTaskFolder.Topic}={data.DataDir(UserTaskFolder.Topic)}",
            "--target", $"{UserTaskFolder.Reviews}={data.DataDir(UserTaskFolder.Reviews)}", "--run-dir", run, "--quiet");

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        var results = RunResults.Read(Path.Combine(run, PipelineRunner.ResultsFile));
        Assert.Equal(["mpt", "pt", "spot"], results.Targets![UserTaskFolder.Reviews].Keys.Order());

        string input = Path.Combine(data.Root, "new.jsonl");
        File.WriteAllLines(input, [
            JsonSerializer.Serialize(new { text = "Lovely and sturdy, I use it every day.", label = "pos" }),
            JsonSerializer.Serialize(new { text = "Broken on arrival.", label = "neg" }),
        ]);
        var predicted = CliRunner.Run("predict", "--model", "minilm", "--prompt", Path.Combine(run, PipelineRunner.AdaptDir, UserTaskFolder.Reviews, "mpt", "seed-1"),
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
        }

        // evaluate: the same scorer as the pipeline, so the test accuracy is the one results.json holds for that seed.
        string adapted = Path.Combine(run, PipelineRunner.AdaptDir, UserTaskFolder.Reviews, "mpt", "seed-1");
        string evaluation = Path.Combine(data.Root, "eval.json");
        var evaluated = CliRunner.Run("evaluate", "--model", "minilm", "--task", UserTaskFolder.Reviews, "--task-file", data.TaskFile,
            "--data", data.DataDir(UserTaskFolder.Reviews), "--split", "test", "--prompt", Path.Combine(adapted, PipelineRunner.AdapterDir),
            "--no-task-prefix", "--max-source-length", "24", "--out", evaluation);
        Assert.True(evaluated.ExitCode == 0, evaluated.Error + evaluated.Output);
        using (var report = JsonDocument.Parse(File.ReadAllText(evaluation)))
        using (var test = JsonDocument.Parse(File.ReadAllText(Path.Combine(adapted, PipelineRunner.TestResultsFile))))
            Assert.Equal(test.RootElement.GetProperty("tasks").GetProperty(UserTaskFolder.Reviews).GetProperty("metrics").GetProperty("accuracy").GetDouble(),
                report.RootElement.GetProperty("tasks").GetProperty(UserTaskFolder.Reviews).GetProperty("metrics").GetProperty("accuracy").GetDouble(), 9);

        // export: a PEFT adapter for the encoder, one task compressed, recording the model.
        string exported = Path.Combine(data.Root, "peft");
        var export = CliRunner.Run("export", "--model", "minilm", "--prompt", adapted, "--out", exported, "--task-id", "0");
        Assert.True(export.ExitCode == 0, export.Error + export.Output);
        var loaded = Mpt.Peft.PeftAdapter.Load(exported);
        using (loaded.Encoder)
        {
            Assert.Equal(Mpt.Peft.PeftAdapterConfig.PromptTuningType, loaded.Config.PeftType);
            Assert.Equal(Mpt.Backbones.RunBackbones.MiniLMName, loaded.Config.BaseModelNameOrPath);
            Assert.Equal("bert", loaded.TrainedFor!.Architecture.ModelType);
        }

        // import: the adapter checked against the encoder it records, into a prompt file.
        var imported = CliRunner.Run("import", exported, "--out", Path.Combine(data.Root, "imported.safetensors"), "--model", "minilm");
        Assert.True(imported.ExitCode == 0, imported.Error + imported.Output);
        Assert.Contains("recorded for bert d_model=384", imported.Output);
    }

    [Fact]
    public void Should_Refuse_Predict_On_The_Encoder_Without_A_Task_In_One_Line()
    {
        using var data = new UserTaskFolder();
        string input = Path.Combine(data.Root, "new.txt");
        File.WriteAllText(input, "some text\n");

        var result = CliRunner.Run("predict", "--model", "minilm", "--input", input);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--task", result.Error);
    }
}
