using System.Text.Json.Nodes;
using Mpt.Cli;
using Mpt.Model;
using Mpt.Pipeline;
using Mpt.Runs;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary><c>model.dropout_kernel</c> in pipeline configs and the stage verbs' <c>--dropout-kernel</c> flag.</summary>
public sealed class DropoutKernelConfigTests : IDisposable
{
    private readonly PipelineWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    [Fact]
    public void Config_Defaults_To_Exact_And_Reads_Parallel_Chunks()
    {
        Assert.Equal(DropoutKernel.Exact, ConfigJson.Load(null).Model.DropoutKernel);
        var config = ConfigJson.Parse("""{"model": {"path": "m", "dropout_kernel": "parallel_chunks"}}""");
        Assert.Equal(DropoutKernel.ParallelChunks, config.Model.DropoutKernel);
        var e = Assert.Throws<ConfigException>(() => ConfigJson.Parse("""{"model": {"path": "m", "dropout_kernel": "fast"}}"""));
        Assert.Contains("model.dropout_kernel", e.Message);
    }

    [Fact]
    public void Teachers_Flag_Should_Reach_The_Backbone_And_Be_Recorded()
    {
        string config = _ws.WriteConfig();
        byte[] Teacher(string kernel)
        {
            string runDir = _ws.PathOf($"teachers-{kernel}");
            var r = CliRunner.Run("teachers", "--config", config, "--run-dir", runDir, "--dropout-kernel", kernel,
                "--set", "teachers.loop.backbone_dropout=true", "--quiet");
            Assert.True(r.ExitCode == MptCli.Ok, r.Error + r.Output);
            var resolved = JsonNode.Parse(File.ReadAllText(Path.Combine(runDir, RunFolder.ConfigFile)))!;
            Assert.Equal(kernel, resolved["model"]!["dropout_kernel"]!.GetValue<string>());
            return File.ReadAllBytes(Path.Combine(runDir, "teachers", "mrpc", RunFolder.PromptFile));
        }

        byte[] exact = Teacher("exact");
        byte[] parallel = Teacher("parallel_chunks");

        // Same data, seed and steps with dropout on: only the masks differ, so the trained prompts do.
        Assert.Equal(exact.Length, parallel.Length);
        Assert.NotEqual(exact, parallel);
    }

    [Fact]
    public void Resume_Should_Refuse_A_Finished_Run_Made_With_Another_Dropout_Kernel()
    {
        // Given: teachers trained with the exact kernel (the default, so the recorded settings do not name it)
        string config = _ws.WriteConfig();
        string runDir = _ws.PathOf("resume-kernel");
        var first = CliRunner.Run("teachers", "--config", config, "--run-dir", runDir, "--quiet");
        Assert.True(first.ExitCode == MptCli.Ok, first.Error);
        string settings = Path.Combine(runDir, PipelineRunner.TeachersDir, "mrpc", PipelineRunner.SettingsFile);
        Assert.DoesNotContain("dropout_kernel", File.ReadAllText(settings));

        // When/Then: the same kernel resumes; the parallel kernel would continue another random stream, so it is refused
        var same = CliRunner.Run("teachers", "--config", config, "--run-dir", runDir, "--dropout-kernel", "exact", "--quiet", "--resume");
        Assert.True(same.ExitCode == MptCli.Ok, same.Error);
        Assert.Contains("already finished (skipped)", same.Output);
        var other = CliRunner.Run("teachers", "--config", config, "--run-dir", runDir, "--dropout-kernel", "parallel_chunks", "--quiet", "--resume");
        Assert.Equal(MptCli.Failed, other.ExitCode);
        Assert.Contains("\"dropout_kernel\": \"parallel_chunks\"", other.Error);
    }
}
