using System.Text.Json;
using Mpt.Backbones;
using Mpt.Checkpoints;
using Mpt.Pipeline;
using Mpt.Reports;
using Mpt.Runs;
using Mpt.Tests.Encoder;
using Mpt.Training;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>
/// Checkpoint selection of the distillation (<c>distill.selection</c>, the rules of <c>adapt.selection</c>) on a
/// miniature MiniLM pipeline with two sources: each rule keeps the checkpoint it names, and none changes the training.
/// </summary>
[Collection(MiniLMCollection.Name)]
public sealed class DistillSelectionTests(MiniLMFixture fixture)
{
    private const int Steps = 6;

    private const string TeacherLoop = """
        {"max_steps": 3, "batch_size": 4, "max_source_length": 24, "warmup_steps": 1, "backbone_dropout": false}
        """;

    private const string DistillLoop = """
        {"max_steps": 6, "batch_size": 4, "max_source_length": 24, "warmup_steps": 1, "eval_every_steps": 1, "log_every_steps": 1, "backbone_dropout": false}
        """;

    private string Run(UserTaskFolder data, string name, string? selection, string? teachersFrom)
    {
        string extra = (selection is null ? "" : $", \"selection\": \"{selection}\"")
                       + (teachersFrom is null ? "" : $", \"teachers_from\": {JsonSerializer.Serialize(teachersFrom)}");
        string json = $$"""
        {
          "model": {"path": "minilm"},
          "task_file": {{JsonSerializer.Serialize(data.TaskFile)}},
          "add_prefix": false,
          "sources": [{"task": "{{UserTaskFolder.Polarity}}", "data": {{JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Polarity))}}},
                      {"task": "{{UserTaskFolder.Topic}}", "data": {{JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Topic))}}}],
          "targets": [{"task": "{{UserTaskFolder.Reviews}}", "data": {{JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Reviews))}}}],
          "teachers": {"prompt_length": 4, "learning_rate": 0.3,
                       "loop": {{TeacherLoop}} },
          "distill": {"prompt_length": 4, "shared_learning_rate": 0.3, "task_learning_rate": 0.3{{extra}}, "loop": {{DistillLoop}} }
        }
        """;
        string run = Path.Combine(data.Root, name);
        var backbone = new EncoderRunBackbone(RunBackbones.MiniLMName, fixture.Model, fixture.Tokenizer, ownsModel: false);
        using var runner = new PipelineRunner(ConfigJson.Parse(json), run, new PipelineRunOptions { Backbone = backbone });
        runner.Run(teachersFrom is null ? PipelineStages.Teachers | PipelineStages.Distill : PipelineStages.Distill);
        return run;
    }

    private static TrainingResult Training(string run) =>
        JsonSerializer.Deserialize<TrainingResult>(File.ReadAllText(Path.Combine(run, PipelineRunner.DistillDir, RunFolder.ResultFile)), RunFolder.Json)!;

    /// <summary>The kept prompt (<c>distill/prompt.safetensors</c>) or the last step's (the final checkpoint's).</summary>
    private static Dictionary<string, torch.Tensor> Prompt(string run, bool last) =>
        SafetensorsFile.Read(last
            ? Path.Combine(run, PipelineRunner.DistillDir, RunFolder.CheckpointDir, RunFolder.PromptFile)
            : Path.Combine(run, PipelineRunner.DistillDir, RunFolder.PromptFile));

    private static bool Same(Dictionary<string, torch.Tensor> a, Dictionary<string, torch.Tensor> b) =>
        a.Keys.Order().SequenceEqual(b.Keys.Order()) && a.All(kv => kv.Value.shape.SequenceEqual(b[kv.Key].shape) && kv.Value.equal(b[kv.Key]).all().item<bool>());

    [Fact]
    public void Each_rule_keeps_the_checkpoint_it_names_and_none_changes_the_training()
    {
        using var scope = torch.NewDisposeScope();
        using var data = new UserTaskFolder();
        string metric = Run(data, "metric", null, null);
        string last = Run(data, "last", "last", metric);
        string loss = Run(data, "loss", "dev_loss", metric);

        // The default (dev_metric): the first evaluation with the best mean source-dev score.
        var curve = MetricsLog.Read(Path.Combine(metric, PipelineRunner.MetricsFile))
            .Where(m => m.Stage == StageNames.Distill && m.DevScore is not null).ToList();
        Assert.Equal(Enumerable.Range(1, Steps).Select(s => (long)s), curve.Select(m => m.Step));
        var best = curve.First(m => m.DevScore == curve.Max(x => x.DevScore));
        Assert.Equal(best.Step, Training(metric).BestStep);

        // Selection never changes the updates: every run ends at the same last-step prompt.
        Assert.True(Same(Prompt(metric, last: true), Prompt(last, last: true)));
        Assert.True(Same(Prompt(metric, last: true), Prompt(loss, last: true)));

        // last keeps that final prompt; dev is still evaluated for the log.
        Assert.True(Same(Prompt(last, last: true), Prompt(last, last: false)));
        Assert.Equal(Steps, MetricsLog.Read(Path.Combine(last, PipelineRunner.MetricsFile)).Count(m => m.Stage == StageNames.Distill && m.DevScore is not null));
        Assert.Equal(best.Step != Steps, !Same(Prompt(metric, last: false), Prompt(last, last: false)));

        // dev_loss keeps the checkpoint of the lowest mean source-dev loss; its best score is that loss, negated.
        var byLoss = Training(loss);
        Assert.True(byLoss.BestScore is < 0 && double.IsFinite(byLoss.BestScore.Value), $"best score {byLoss.BestScore}");
        Assert.InRange(byLoss.BestStep!.Value, 1, Steps);
        Assert.Equal(byLoss.BestStep == Steps, Same(Prompt(loss, last: false), Prompt(loss, last: true)));
    }

    [Fact]
    public void An_unknown_rule_is_refused_naming_the_key()
    {
        var e = Assert.Throws<ConfigException>(() => new DistillConfig { Selection = "best" }.Validate());
        Assert.Contains("distill.selection", e.Message);
        Assert.Contains("dev_loss", e.Message);
    }
}
