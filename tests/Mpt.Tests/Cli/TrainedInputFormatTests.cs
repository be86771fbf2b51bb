using System.Text.Json;
using Mpt.Cli;
using Mpt.Peft;
using Mpt.Tests.Evaluation;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// A prompt is trained on one input format (with or without the task prefix); <c>mpt predict</c> and <c>mpt evaluate</c>
/// write inputs as the prompt's <c>mpt_task.json</c> records, default the task to the recorded one, and let
/// <c>--no-task-prefix</c> override with a note. Before the record, the quickstart's prompts (trained without the prefix)
/// were scored on prefixed rows, and prompts trained with it on bare .txt lines.
/// </summary>
public sealed class TrainedInputFormatTests : IDisposable
{
    private readonly TinyEvaluationWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    /// <summary>A random prompt for the tiny T5 saved as an adapter with the model's fingerprint and the given task record.</summary>
    private string Adapter(string name, string? prefix)
    {
        string folder = _ws.PathOf(name);
        using (var prompt = _ws.RandomSoftPrompt())
            PeftAdapter.Save(folder, prompt, _ws.Model);
        PromptTaskFile.Write(folder, new PromptTask("t5", "rte", ["0", "1"], ["0", "1"], prefix));
        return folder;
    }

    private static List<string> Sources(CliRunner.Result result)
    {
        Assert.True(result.ExitCode == MptCli.Ok, result.Error);
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("source").GetString()!).ToList();
    }

    private string Rows() => _ws.WriteJsonl("rows.jsonl", [new { sentence1 = "A man walks.", sentence2 = "A man runs." }]);

    [Fact]
    public void Should_Format_Data_Rows_Without_The_Prefix_When_The_Prompt_Was_Trained_Without_It_And_Default_The_Task()
    {
        string adapter = Adapter("bare", prefix: null);

        var result = CliRunner.Run("predict", "--model", _ws.ModelDir, "--prompt", adapter, "--input", Rows(), "--max-new-tokens", "1");

        Assert.Equal(["sentence1: A man walks. sentence2: A man runs."], Sources(result));
    }

    [Fact]
    public void Should_Prefix_Text_Lines_When_The_Prompt_Was_Trained_With_The_Prefix()
    {
        string adapter = Adapter("prefixed", prefix: "rte");
        string lines = _ws.WriteText("lines.txt", "first line\nsecond line\n");

        var result = CliRunner.Run("predict", "--model", _ws.ModelDir, "--prompt", adapter, "--input", lines, "--max-new-tokens", "1");

        Assert.Equal(["rte first line", "rte second line"], Sources(result));
    }

    [Fact]
    public void Should_Let_The_Flag_Override_The_Record_With_A_Note()
    {
        string adapter = Adapter("prefixed", prefix: "rte");

        var result = CliRunner.Run("predict", "--model", _ws.ModelDir, "--prompt", adapter, "--input", Rows(), "--max-new-tokens", "1", "--no-task-prefix");

        Assert.Equal(["sentence1: A man walks. sentence2: A man runs."], Sources(result));
        Assert.Contains("trained on inputs with the prefix 'rte'", result.Error);
    }

    [Fact]
    public void Should_Keep_The_Prefix_Default_Without_A_Record()
    {
        string folder = _ws.PathOf("peft-only");
        using (var prompt = _ws.RandomSoftPrompt())
            PeftAdapter.Save(folder, prompt, _ws.Model);

        var result = CliRunner.Run("predict", "--model", _ws.ModelDir, "--prompt", folder, "--task", "rte", "--input", Rows(), "--max-new-tokens", "1");

        Assert.Equal(["rte sentence1: A man walks. sentence2: A man runs."], Sources(result));
    }

    [Fact]
    public void Should_Evaluate_With_The_Recorded_Format()
    {
        string adapter = Adapter("bare", prefix: null);
        string data = _ws.WriteJsonl("test.jsonl", [new { sentence1 = "A man walks.", sentence2 = "A man runs.", label = 1L }]);
        string report = _ws.PathOf("eval.json");

        var result = CliRunner.Run("evaluate", "--model", _ws.ModelDir, "--prompt", adapter, "--task", "rte", "--data", data, "--out", report);

        Assert.True(result.ExitCode == MptCli.Ok, result.Error);
        using var doc = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal([false], Find(doc.RootElement, "add_prefix").Select(e => e.GetBoolean()));
    }

    /// <summary>Every value of <paramref name="key"/> anywhere in <paramref name="element"/>.</summary>
    private static IEnumerable<JsonElement> Find(JsonElement element, string key) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => p.Name == key ? [p.Value] : Find(p.Value, key)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(e => Find(e, key)),
        _ => [],
    };
}
