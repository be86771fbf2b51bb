using Mpt.Cli;
using Xunit;

namespace Mpt.Tests.Cli;

public sealed class ReportCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Should_Write_A_Report_That_Says_What_The_Run_Folder_Lacks()
    {
        // Given: a run folder with a few logged steps and no results.json
        File.WriteAllLines(Path.Combine(_dir, "metrics.jsonl"), Enumerable.Range(1, 5).Select(s =>
            $$"""{"stage":"teacher","task":"rte","method":"pt","seed":1,"step":{{s}},"loss":{{1.0 / s}}}"""));

        // When
        var result = CliRunner.Run("report", _dir);

        // Then
        Assert.Equal(MptCli.Ok, result.ExitCode);
        Assert.True(File.Exists(Path.Combine(_dir, "report", "report.md")));
        Assert.True(File.Exists(Path.Combine(_dir, "report", "loss_teacher.png")));
        Assert.Contains("missing:", result.Output);
        Assert.Contains("results.json", result.Output);
    }

    [Fact]
    public void Should_Fail_In_One_Line_For_A_Missing_Folder()
    {
        var result = CliRunner.Run("report", Path.Combine(_dir, "nope"));
        Assert.Equal(MptCli.Failed, result.ExitCode);
        Assert.Contains("run folder not found", result.Error);
    }

    [Fact]
    public void Should_Name_The_Line_Of_A_Malformed_Metrics_Record()
    {
        File.WriteAllText(Path.Combine(_dir, "metrics.jsonl"), "{\"stage\":\"teacher\"}\n");
        var result = CliRunner.Run("report", _dir);
        Assert.Equal(MptCli.Failed, result.ExitCode);
        Assert.Contains("metrics.jsonl:1", result.Error);
    }
}
