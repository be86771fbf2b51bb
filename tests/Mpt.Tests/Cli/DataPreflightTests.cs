using Mpt.Cli;
using Mpt.Pipeline;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// Data that cannot be read is refused by <c>mpt run</c> before any teacher trains — not when its stage starts, which for
/// a target is after the teachers and the distillation — with one line naming the config key, the file and the line.
/// </summary>
public sealed class DataPreflightTests : IDisposable
{
    private readonly PipelineWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private void ReplaceLine(string file, int line, string text)
    {
        var lines = File.ReadAllLines(file);
        lines[line - 1] = text;
        File.WriteAllLines(file, lines);
    }

    [Fact]
    public void Run_Should_Refuse_A_Target_File_With_A_Bad_Line_Before_Any_Teacher_Trains()
    {
        string file = Path.Combine(_ws.DataDir("rte"), "validation.jsonl");
        ReplaceLine(file, 5, """{"sentence1": "A man walks.", "sentence2": """);

        AssertRefusedBeforeTraining([], ["targets[0].data", "'rte'", file, "line 5"]);
    }

    [Fact]
    public void Run_Should_Refuse_A_Source_Row_Without_An_Input_Field_Before_Any_Teacher_Trains()
    {
        string file = Path.Combine(_ws.DataDir("cola"), "train.jsonl");
        ReplaceLine(file, 3, """{"label": 1, "idx": 2}""");

        AssertRefusedBeforeTraining([], ["sources[1].data", "'cola'", file, "line 3", "sentence"]);
    }

    [Fact]
    public void Run_Should_Refuse_A_Target_Folder_Without_A_Split_It_Needs_Before_Any_Teacher_Trains()
    {
        string folder = _ws.PathOf(Path.Combine("data", "rte-train-only"));
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(_ws.DataDir("rte"), "train.jsonl"), Path.Combine(folder, "train.jsonl"));

        AssertRefusedBeforeTraining(["--target", $"rte={folder}"], ["targets[0].data", "validation", folder]);
    }

    private void AssertRefusedBeforeTraining(string[] flags, string[] named)
    {
        string runDir = _ws.PathOf("run");
        var r = CliRunner.Run(["run", "--config", _ws.WriteConfig(), "--run-dir", runDir, "--quiet", .. flags]);

        Assert.True(r.ExitCode == MptCli.Failed, $"exit {r.ExitCode}\n{r.Error}{r.Output}");
        string line = Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        foreach (string part in named) Assert.Contains(part, line);
        Assert.False(Directory.Exists(Path.Combine(runDir, PipelineRunner.TeachersDir)), "teachers trained before the data were checked");
    }
}
