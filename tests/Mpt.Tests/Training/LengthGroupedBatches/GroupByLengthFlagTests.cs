using System.Text.Json.Nodes;
using Mpt.Cli;
using Mpt.Pipeline;
using Mpt.Tests.Cli;
using Xunit;

namespace Mpt.Tests.Training.LengthGroupedBatches;

/// <summary><c>--group-by-length [FACTOR]</c> on the stage verbs: the recorded settings, and --resume under other settings.</summary>
public sealed class GroupByLengthFlagTests : IDisposable
{
    private readonly PipelineWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private static JsonNode Json(string path) => JsonNode.Parse(File.ReadAllText(path))!;

    [Fact]
    public void Teachers_Should_Record_The_Factor_And_Not_Reuse_A_Grouped_Run_Without_It()
    {
        // Given: the bare flag (HF's factor) on the teachers verb
        string config = _ws.WriteConfig();
        string runDir = _ws.PathOf("grouped");
        var first = CliRunner.Run("teachers", "--config", config, "--run-dir", runDir, "--group-by-length", "--quiet");
        Assert.True(first.ExitCode == MptCli.Ok, first.Error);

        // Then: the run config and every finished teacher's settings hold the factor
        Assert.Equal(50, Json(Path.Combine(runDir, "config.json"))["teachers"]!["loop"]!["length_group_factor"]!.GetValue<int>());
        foreach (string teacher in new[] { "mrpc", "cola" })
        {
            string settings = Path.Combine(runDir, PipelineRunner.TeachersDir, teacher, PipelineRunner.SettingsFile);
            Assert.Equal(50, Json(settings)["stage"]!["teachers"]!["loop"]!["length_group_factor"]!.GetValue<int>());
        }

        // When/Then: the same flag resumes (finished runs are skipped); without it, or with another factor, it is refused
        var same = CliRunner.Run("teachers", "--config", config, "--run-dir", runDir, "--group-by-length", "50", "--quiet", "--resume");
        Assert.True(same.ExitCode == MptCli.Ok, same.Error);
        Assert.Contains("already finished (skipped)", same.Output);
        var without = CliRunner.Run("teachers", "--config", config, "--run-dir", runDir, "--quiet", "--resume");
        Assert.Equal(MptCli.Failed, without.ExitCode);
        Assert.Contains("other settings", without.Error);
        var other = CliRunner.Run("teachers", "--config", config, "--run-dir", runDir, "--group-by-length", "3", "--quiet", "--resume");
        Assert.Equal(MptCli.Failed, other.ExitCode);
        Assert.Contains("length_group_factor", other.Error);
    }

    [Fact]
    public void Off_Should_Record_Nothing_New_And_A_Bad_Factor_Should_Name_The_Flag()
    {
        string config = _ws.WriteConfig();
        string runDir = _ws.PathOf("plain");
        var plain = CliRunner.Run("teachers", "--config", config, "--run-dir", runDir, "--group-by-length", "0", "--quiet");
        Assert.True(plain.ExitCode == MptCli.Ok, plain.Error);
        Assert.DoesNotContain("length_group_factor", File.ReadAllText(Path.Combine(runDir, PipelineRunner.TeachersDir, "mrpc", PipelineRunner.SettingsFile)));

        var bad = CliRunner.Run("distill", "--config", config, "--run-dir", _ws.PathOf("bad"), "--group-by-length", "-2");
        Assert.Equal(MptCli.Usage, bad.ExitCode);
        Assert.Contains("--group-by-length takes a number of batches", bad.Error);
        var badSet = CliRunner.Run("adapt", "--config", config, "--run-dir", _ws.PathOf("bad-set"), "--set", "adapt.loop.length_group_factor=-1");
        Assert.Equal(MptCli.Failed, badSet.ExitCode);
        Assert.Contains("adapt.loop.length_group_factor must be >= 0", badSet.Error);
    }
}
