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
}
