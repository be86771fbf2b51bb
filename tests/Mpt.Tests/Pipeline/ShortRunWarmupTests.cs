using System.Text.Json;
using Mpt.Pipeline;
using Mpt.Reports;
using Mpt.Tests.Cli;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>
/// A few-shot pipeline run with the default schedule (warm-up 500 steps, 20 epochs, batch 32) on a tiny T5: its runs
/// are a handful of steps long, and they must still train at their nominal learning rates (ATTEMPT's fixed 500-step
/// warm-up made them peak at a few percent of it) and say which schedule ran.
/// </summary>
public sealed class ShortRunWarmupTests : IDisposable
{
    private readonly PipelineWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    /// <summary>
    /// Model, tasks and few_shot; every loop setting takes its default. Only the prompt length and the generation budget of
    /// evaluation are small, to keep the test short (neither affects the schedule).
    /// </summary>
    private string Config(string extraAdapt = "") => $$"""
        {
          "model": {"path": {{JsonSerializer.Serialize(_ws.ModelDir)}}},
          "sources": [{"task": "mrpc", "data": {{JsonSerializer.Serialize(_ws.DataDir("mrpc"))}}}, {"task": "cola", "data": {{JsonSerializer.Serialize(_ws.DataDir("cola"))}}}],
          "targets": [{"task": "rte", "data": {{JsonSerializer.Serialize(_ws.DataDir("rte"))}}}],
          "teachers": {"prompt_length": 4},
          "distill": {"prompt_length": 4},
          "adapt": {"prompt_length": 4, "few_shot": 16{{extraAdapt}}},
          "evaluate": {"max_new_tokens": 4}
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

    [Fact]
    public void Few_Shot_Run_With_Default_Settings_Should_Log_Adaptation_At_Its_Nominal_Learning_Rate()
    {
        var config = ConfigJson.Parse(Config());
        var progress = new Recorder();
        string runDir = _ws.PathOf("run");
        using (var runner = new PipelineRunner(config, runDir, new PipelineRunOptions { Progress = progress }))
            runner.Run(PipelineStages.All);

        var adapt = MetricsLog.Read(Path.Combine(runDir, PipelineRunner.MetricsFile)).Where(m => m.Stage == StageNames.Adapt).ToList();
        Assert.NotEmpty(adapt);
        // 12 training rows (the few-shot pool is smaller than 16), 20 epochs, batch 32: 8 steps, 1 of them warm-up.
        Assert.All(adapt, m => Assert.Equal(8, m.TotalSteps));
        double shared = config.Adapt.SharedLearningRate, task = config.Adapt.TaskLearningRate;
        var trained = adapt.Where(m => m.Step > 0).ToList(); // step 0, the initial evaluation, has no rate
        Assert.Contains(trained, m => m.Lr >= shared / 2);
        Assert.Contains(trained, m => m.LrGroups!.Values.Max() >= task / 2);
        Assert.Contains(progress.Messages, m => m.Contains("[mpt rte seed 42] linear warm-up 1 of 8 steps (warmup_steps 500 capped at 10 % of the run), then linear decay to 0"));
    }

    [Fact]
    public void Without_A_Cap_A_Warm_Up_Longer_Than_The_Run_Should_Be_Refused_Naming_The_Keys()
    {
        var config = ConfigJson.Parse(Config(""", "methods": ["pt"], "loop": {"max_warmup_fraction": null}"""));
        using var runner = new PipelineRunner(config, _ws.PathOf("run-uncapped"));

        var e = Assert.Throws<ConfigException>(() => runner.Run(PipelineStages.Adapt));

        Assert.Contains("adapt.loop.warmup_steps (500) is not shorter than the run's 8 steps", e.Message);
        Assert.Contains("adapt.loop.max_warmup_fraction", e.Message);
    }
}
