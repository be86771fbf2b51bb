using System.Text.Json;
using Mpt.Cli;
using Mpt.Metrics;
using Mpt.Tests.Cli;
using Parquet.Schema;
using Parquet.Serialization;
using Xunit;

namespace Mpt.Tests.Evaluation;

/// <summary><c>mpt evaluate</c> end to end on a tiny random model folder with the golden tokenizer.</summary>
public sealed class EvaluateCommandTests : IDisposable
{
    private readonly TinyEvaluationWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private string RteData(int count = 8) => _ws.WriteJsonl("rte/validation.jsonl", TinyEvaluationWorkspace.RteExamples(count));

    [Fact]
    public void Should_Evaluate_A_Task_Print_A_Table_And_Write_Json()
    {
        // Given
        string data = RteData();
        string output = _ws.PathOf("results.json");

        // When
        var result = CliRunner.Run("evaluate", "--model", _ws.ModelDir, "--task", "rte", "--data", data,
            "--batch-size", "3", "--out", output, "--predictions", _ws.PathOf("predictions.jsonl"));

        // Then
        Assert.True(result.ExitCode == MptCli.Ok, result.Error);
        Assert.Contains("accuracy", result.Output);
        Assert.Contains("invalid_rate", result.Output);
        using var doc = JsonDocument.Parse(File.ReadAllText(output));
        JsonElement rte = doc.RootElement.GetProperty("tasks").GetProperty("rte");
        Assert.Equal(8, rte.GetProperty("n_examples").GetInt32());
        Assert.Equal("generate", rte.GetProperty("decoding").GetString());
        double accuracy = rte.GetProperty("metrics").GetProperty(MetricNames.Accuracy).GetDouble();
        Assert.Equal(accuracy, rte.GetProperty("average_metrics").GetDouble());
        Assert.Equal(accuracy, doc.RootElement.GetProperty("average_metrics").GetDouble());
        Assert.True(rte.GetProperty("invalid_rate").GetDouble() >= 0);
        Assert.Equal(8, File.ReadAllLines(_ws.PathOf("predictions.jsonl")).Length);
    }

    [Fact]
    public void Should_Evaluate_A_Soft_Prompt_And_An_Mpt_Prompt_With_Rank_Classification()
    {
        // Given
        string data = RteData();
        string soft = _ws.WritePrompt("soft.safetensors", _ws.RandomSoftPrompt());
        string mpt = _ws.WritePrompt("mpt.safetensors", _ws.RandomMultitaskPrompt(tasks: 3));

        // When
        var softRun = CliRunner.Run("evaluate", "--model", _ws.ModelDir, "--task", "rte", "--data", data, "--prompt", soft,
            "--rank-classification", "--out", _ws.PathOf("soft.json"));
        var mptRun = CliRunner.Run("evaluate", "--model", _ws.ModelDir, "--task", "rte", "--data", data, "--prompt", mpt,
            "--task-id", "2", "--split", "validation", "--out", _ws.PathOf("mpt.json"));
        var mptWithoutId = CliRunner.Run("evaluate", "--model", _ws.ModelDir, "--task", "rte", "--data", data, "--prompt", mpt);

        // Then
        Assert.True(softRun.ExitCode == MptCli.Ok, softRun.Error);
        using (var doc = JsonDocument.Parse(File.ReadAllText(_ws.PathOf("soft.json"))))
        {
            JsonElement rte = doc.RootElement.GetProperty("tasks").GetProperty("rte");
            Assert.Equal("rank", rte.GetProperty("decoding").GetString());
            Assert.Equal(0.0, rte.GetProperty("invalid_rate").GetDouble());
        }
        Assert.True(mptRun.ExitCode == MptCli.Ok, mptRun.Error);
        using (var doc = JsonDocument.Parse(File.ReadAllText(_ws.PathOf("mpt.json"))))
        {
            // RTE is a small task: validation = half of the file's 8 rows.
            Assert.Equal(4, doc.RootElement.GetProperty("tasks").GetProperty("rte").GetProperty("n_examples").GetInt32());
            Assert.Equal(2, doc.RootElement.GetProperty("settings").GetProperty("task_id").GetInt32());
        }
        Assert.Equal(MptCli.Failed, mptWithoutId.ExitCode);
        Assert.Contains("--task-id", mptWithoutId.Error);
    }

    [Fact]
    public async Task Should_Evaluate_A_Prompt_On_A_Folder_Of_Hub_Parquet_Files()
    {
        // Given: glue/sst2 as the hub's parquet export (train and validation shards); SST-2's test = original validation.
        string folder = _ws.PathOf("glue-sst2");
        Directory.CreateDirectory(folder);
        var schema = new ParquetSchema(new DataField<string>("sentence"), new DataField<long>("label"), new DataField<long>("idx"));
        foreach (var (name, count) in new[] { ("train-00000-of-00001.parquet", 3), ("validation-00000-of-00001.parquet", 6) })
        {
            var rows = Enumerable.Range(0, count).Select(i => (IDictionary<string, object?>)new Dictionary<string, object?>
            {
                ["sentence"] = $"{name[..5]} film number {i} was fine", ["label"] = (long)(i % 2), ["idx"] = (long)i,
            }).ToList();
            await using FileStream s = File.Create(Path.Combine(folder, name));
            await ParquetSerializer.SerializeUntypedAsync(rows, schema, s);
        }
        string prompt = _ws.WritePrompt("sst2-prompt.safetensors", _ws.RandomSoftPrompt());

        // When
        var result = CliRunner.Run("evaluate", "--model", _ws.ModelDir, "--task", "sst2", "--data", folder, "--split", "test",
            "--prompt", prompt, "--out", _ws.PathOf("sst2.json"));

        // Then
        Assert.True(result.ExitCode == MptCli.Ok, result.Error);
        Assert.Contains("dataset split 'validation'", result.Output);
        using var doc = JsonDocument.Parse(File.ReadAllText(_ws.PathOf("sst2.json")));
        Assert.Equal(6, doc.RootElement.GetProperty("tasks").GetProperty("sst2").GetProperty("n_examples").GetInt32());
        Assert.Equal("validation", doc.RootElement.GetProperty("settings").GetProperty("source_split").GetString());
    }

    [Fact]
    public void Should_Evaluate_A_User_Task_From_A_Task_File()
    {
        // Given: a user NLI task over CSV with word labels mapped to "0" / "1".
        string taskFile = _ws.WriteText("tasks.json", """
            {"name": "my-nli", "template": [["premise:", "p"], ["hypothesis:", "h"]],
             "label_field": "gold", "label_map": {"yes": "0", "no": "1"}, "metrics": ["accuracy", "f1_macro"],
             "fields": {"p": "string", "h": "string", "gold": "string"}}
            """);
        string data = _ws.WriteText("nli.csv", "p,h,gold\nA cat.,An animal.,yes\nA dog.,A cat.,no\nRain.,Wet.,yes\n");

        // When
        var result = CliRunner.Run("evaluate", "--model", _ws.ModelDir, "--task", "my-nli", "--task-file", taskFile,
            "--data", data, "--out", _ws.PathOf("user.json"));

        // Then
        Assert.True(result.ExitCode == MptCli.Ok, result.Error);
        using var doc = JsonDocument.Parse(File.ReadAllText(_ws.PathOf("user.json")));
        JsonElement metrics = doc.RootElement.GetProperty("tasks").GetProperty("my-nli").GetProperty("metrics");
        Assert.True(metrics.TryGetProperty(MetricNames.Accuracy, out _));
        Assert.True(metrics.TryGetProperty(MetricNames.F1Macro, out _));
        Assert.True(metrics.TryGetProperty(MetricNames.InvalidRate, out _));
    }

    [Fact]
    public void Should_Fail_In_One_Line_On_Bad_Input()
    {
        string data = RteData(2);
        string malformed = _ws.WriteText("bad.jsonl", "{\"sentence1\": \"a\", \"sentence2\": \"b\", \"label\": 0, \"idx\": 0}\n{\"sentence1\": \"a\", \"label\": \"x\"}\n");

        var unknownTask = CliRunner.Run("evaluate", "--model", _ws.ModelDir, "--task", "rtee", "--data", data);
        var missingData = CliRunner.Run("evaluate", "--model", _ws.ModelDir, "--task", "rte", "--data", _ws.PathOf("none.jsonl"));
        var badRow = CliRunner.Run("evaluate", "--model", _ws.ModelDir, "--task", "rte", "--data", malformed);
        var noModel = CliRunner.Run("evaluate", "--model", _ws.PathOf("nomodel"), "--task", "rte", "--data", data);

        Assert.Equal(MptCli.Failed, unknownTask.ExitCode);
        Assert.Contains("Did you mean 'rte'", unknownTask.Error);
        Assert.Equal(MptCli.Failed, missingData.ExitCode);
        Assert.Contains("none.jsonl", missingData.Error);
        Assert.Equal(MptCli.Failed, badRow.ExitCode);
        Assert.Contains("bad.jsonl line 2", badRow.Error);
        Assert.Equal(MptCli.Failed, noModel.ExitCode);
        Assert.Contains("nomodel", noModel.Error);
        Assert.All(new[] { unknownTask, missingData, badRow, noModel }, r => Assert.DoesNotContain("   at ", r.Error));
    }
}
