using System.Text.Json;
using Mpt.Pipeline;
using Mpt.Reports;
using Mpt.Tests.Encoder;
using Mpt.Tests.Pipeline;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// The new user's flow on a Hugging Face BERT folder instead of <c>minilm</c>: <c>mpt run --model DIR</c> with a task
/// file and JSONL folders, then <c>mpt predict --model DIR</c>; the folder is a tiny random BERT the test writes, so
/// only the flow is checked, not the accuracy.
/// </summary>
public sealed class BertFolderCliTests
{
    private static TinyBertFolder WriteBert(int seed)
    {
        var folder = new TinyBertFolder().WriteConfigAndTokenizer();
        using var model = TinyBertFolder.RandomModel(seed: seed);
        return folder.WriteSafetensors(TinyBertFolder.StateDict(model));
    }

    [Fact]
    public void Should_Run_The_Pipeline_On_A_Bert_Folder_Then_Label_New_Rows_And_Refuse_Its_Prompt_On_Another_Model()
    {
        using var bert = WriteBert(seed: 11);
        using var other = WriteBert(seed: 12);
        using var data = new UserTaskFolder();
        string config = Path.Combine(data.Root, "small.json");
        const string loop = """{"max_steps": 2, "batch_size": 4, "max_source_length": 16, "warmup_steps": 1, "eval_every_steps": 1}""";
        File.WriteAllText(config, $$"""
        {"add_prefix": false,
         "teachers": {"prompt_length": 2, "loop": {{loop}} },
         "distill": {"prompt_length": 2, "loop": {{loop}} },
         "adapt": {"methods": ["mpt", "pt", "spot"], "prompt_length": 2, "few_shot": 2, "few_shot_per_class": true, "seeds": [1], "loop": {{loop}} } }
        """);
        string run = Path.Combine(data.Root, "R");

        var result = CliRunner.Run("run", "--config", config, "--model", bert.Path, "--task-file", data.TaskFile,
            "--source", $"{UserTaskFolder.Polarity}={data.DataDir(UserTaskFolder.Polarity)}",
            "--source", $"{UserTaskFolder.Topic}={data.DataDir(UserTaskFolder.Topic)}",
            "--target", $"{UserTaskFolder.Reviews}={data.DataDir(UserTaskFolder.Reviews)}", "--run-dir", run, "--quiet");

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        using (var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, PipelineRunner.ResultsFile))))
        {
            var methods = results.RootElement.GetProperty("targets").GetProperty(UserTaskFolder.Reviews);
            foreach (string method in new[] { "mpt", "pt", "spot" })
                Assert.Equal(JsonValueKind.Number, methods.GetProperty(method).GetProperty("mean").ValueKind);
            Assert.Equal(bert.Path, results.RootElement.GetProperty("model").GetProperty("name").GetString());
        }

        string input = Path.Combine(data.Root, "new.jsonl");
        File.WriteAllLines(input, [
            JsonSerializer.Serialize(new { text = "the cat sat on the mat", label = "pos" }),
            JsonSerializer.Serialize(new { text = "a dog", label = "neg" }),
        ]);
        string adapted = Path.Combine(run, PipelineRunner.AdaptDir, UserTaskFolder.Reviews, "mpt", "seed-1");
        var predicted = CliRunner.Run("predict", "--model", bert.Path, "--prompt", adapted,
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

        // evaluate takes the encoder branch for a BERT folder too: the pipeline's scorer, so results.json's test accuracy for that seed.
        string evaluation = Path.Combine(data.Root, "eval.json");
        var evaluated = CliRunner.Run("evaluate", "--model", bert.Path, "--task", UserTaskFolder.Reviews, "--task-file", data.TaskFile,
            "--data", data.DataDir(UserTaskFolder.Reviews), "--split", "test", "--prompt", Path.Combine(adapted, PipelineRunner.AdapterDir),
            "--no-task-prefix", "--max-source-length", "16", "--out", evaluation);
        Assert.True(evaluated.ExitCode == 0, evaluated.Error + evaluated.Output);
        using (var report = JsonDocument.Parse(File.ReadAllText(evaluation)))
        using (var test = JsonDocument.Parse(File.ReadAllText(Path.Combine(adapted, PipelineRunner.TestResultsFile))))
            Assert.Equal(test.RootElement.GetProperty("tasks").GetProperty(UserTaskFolder.Reviews).GetProperty("metrics").GetProperty("accuracy").GetDouble(),
                report.RootElement.GetProperty("tasks").GetProperty(UserTaskFolder.Reviews).GetProperty("metrics").GetProperty("accuracy").GetDouble(), 9);

        // The saved PEFT adapter records this folder and its fingerprint: the same architecture with other weights is refused.
        string adapter = Path.Combine(adapted, PipelineRunner.AdapterDir);
        var loaded = Mpt.Peft.PeftAdapter.Load(adapter);
        using (loaded.Encoder)
        {
            Assert.Equal(bert.Path, loaded.Config.BaseModelNameOrPath);
            Assert.Equal("bert", loaded.TrainedFor!.Architecture.ModelType);
        }
        var same = CliRunner.Run("import", adapter, "--out", Path.Combine(data.Root, "same.safetensors"), "--model", bert.Path);
        Assert.True(same.ExitCode == 0, same.Error + same.Output);
        var refused = CliRunner.Run("import", adapter, "--out", Path.Combine(data.Root, "other.safetensors"), "--model", other.Path);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("trained for another model (weights differ)", refused.Error);
        Assert.Contains("trained for another model (weights differ)", refused.Error);
        var elsewhere = CliRunner.Run("predict", "--model", other.Path, "--prompt", adapted,
            "--task", UserTaskFolder.Reviews, "--task-file", data.TaskFile, "--input", input, "--no-task-prefix");
        Assert.Equal(1, elsewhere.ExitCode);
        Assert.Contains("trained for another model (weights differ)", elsewhere.Error);
    }
}
