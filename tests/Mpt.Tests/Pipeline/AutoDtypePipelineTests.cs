using System.Text.Json;
using System.Text.Json.Nodes;
using Mpt.Numerics;
using Mpt.Pipeline;
using Mpt.Tests.Cli;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>
/// <c>model.dtype auto</c> in a pipeline run on a tiny T5, with injected GEMM rates: the run records the resolved dtype
/// (config.json, each run's settings, results.json) and logs why; a resumed run keeps it even when the rates now say
/// otherwise.
/// </summary>
public sealed class AutoDtypePipelineTests : IDisposable
{
    private readonly PipelineWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private string Config() => $$"""
        {
          "model": {"path": {{JsonSerializer.Serialize(_ws.ModelDir)}}, "dtype": "auto"},
          "sources": [{"task": "mrpc", "data": {{JsonSerializer.Serialize(_ws.DataDir("mrpc"))}}}],
          "targets": [{"task": "rte", "data": {{JsonSerializer.Serialize(_ws.DataDir("rte"))}}}],
          "teachers": {"prompt_length": 4, "loop": {"max_steps": 2, "batch_size": 4, "max_source_length": 32, "backbone_dropout": false} },
          "evaluate": {"batch_size": 8, "max_new_tokens": 2}
        }
        """;

    private sealed class Recorder : IPipelineProgress
    {
        public List<string> Messages { get; } = [];
        public void RunStarted(string label, long totalSteps) { }
        public void StepCompleted(string label, TrainingLogEntry entry, double tokensPerSecond, bool log) { }
        public void RunFinished(string label, string summary) { }
        public void Message(string text) => Messages.Add(text);
    }

    /// <summary>A resolver with a cache of its own and fixed rates (GFLOP/s) instead of a measurement.</summary>
    private AutoDtype Rates(string cache, double float32, double bfloat16) =>
        new(_ws.PathOf(cache), _ => null, _ => (new TimingSummary(float32, float32, float32, float32, float32, 1), new TimingSummary(bfloat16, bfloat16, bfloat16, bfloat16, bfloat16, 1)));

    private static JsonNode Json(string path) => JsonNode.Parse(File.ReadAllText(path))!;

    [Fact]
    public void The_Run_Should_Record_The_Resolved_Dtype_And_A_Resumed_Run_Should_Keep_It()
    {
        string runDir = _ws.PathOf("run");
        var progress = new Recorder();
        using (var runner = new PipelineRunner(ConfigJson.Parse(Config()), runDir,
                   new PipelineRunOptions { Progress = progress, AutoDtype = Rates("cache-a", float32: 100, bfloat16: 300) }))
            runner.Run(PipelineStages.Teachers);

        Assert.Contains(progress.Messages, m => m.StartsWith("model.dtype auto → bfloat16 (measured): bfloat16 GEMM 300.0 GFLOP/s vs float32 100.0 GFLOP/s = 3.00×", StringComparison.Ordinal));
        Assert.Equal("bfloat16", (string?)Json(Path.Combine(runDir, PipelineRunner.ConfigFile))["model"]!["dtype"]);
        string settings = Path.Combine(runDir, PipelineRunner.TeachersDir, "mrpc", PipelineRunner.SettingsFile);
        Assert.Equal("bfloat16", (string?)Json(settings)["dtype"]);
        var results = Json(Path.Combine(runDir, PipelineRunner.ResultsFile));
        Assert.Equal("bfloat16", (string?)results["dtype_choice"]!["resolved"]);
        Assert.Equal(300, (double)results["dtype_choice"]!["bfloat16_gflop_per_s"]!["median"]!);

        // Resumed on a machine (or with a cache) where float32 now wins: the run keeps bfloat16, so its finished teacher
        // is reused (its settings say bfloat16) rather than refused as made with other settings.
        var resumed = new Recorder();
        using (var runner = new PipelineRunner(ConfigJson.Parse(Config()), runDir,
                   new PipelineRunOptions { Progress = resumed, Resume = true, AutoDtype = Rates("cache-b", float32: 300, bfloat16: 100) }))
            runner.Run(PipelineStages.Teachers);

        Assert.Contains(resumed.Messages, m => m.StartsWith("model.dtype auto → bfloat16 (run_folder)", StringComparison.Ordinal));
        Assert.Equal("bfloat16", (string?)Json(Path.Combine(runDir, PipelineRunner.ConfigFile))["model"]!["dtype"]);
        Assert.Equal(DtypeChoice.RunFolder, (string?)Json(Path.Combine(runDir, PipelineRunner.ResultsFile))["dtype_choice"]!["source"]);
        Assert.False(Directory.Exists(_ws.PathOf("cache-b")), "nothing was measured for the resumed run");
    }

    [Fact]
    public void A_Fresh_Run_Where_Bfloat16_Is_Not_Clearly_Faster_Should_Run_Float32_With_Default_Settings()
    {
        string runDir = _ws.PathOf("run-fp32");
        var progress = new Recorder();
        using (var runner = new PipelineRunner(ConfigJson.Parse(Config()), runDir,
                   new PipelineRunOptions { Progress = progress, AutoDtype = Rates("cache-c", float32: 100, bfloat16: 110) }))
            runner.Run(PipelineStages.Teachers);

        Assert.Contains(progress.Messages, m => m.Contains("model.dtype auto → float32 (measured)") && m.Contains("1.10×"));
        Assert.Equal("float32", (string?)Json(Path.Combine(runDir, PipelineRunner.ConfigFile))["model"]!["dtype"]);
        // float32 is the default, so the run's settings are those of a run that asked for float32.
        Assert.Null(Json(Path.Combine(runDir, PipelineRunner.TeachersDir, "mrpc", PipelineRunner.SettingsFile))["dtype"]);
    }
}
