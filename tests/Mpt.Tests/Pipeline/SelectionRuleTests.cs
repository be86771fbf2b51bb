using System.Text.Json;
using Mpt.Backbones;
using Mpt.Evaluation;
using Mpt.Metrics;
using Mpt.Pipeline;
using Mpt.Runs;
using Mpt.Tests.Encoder;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>
/// Checkpoint selection of target runs (<c>adapt.selection</c>) on a miniature MiniLM pipeline: each rule keeps the
/// step it should, the analysis-only test curve (<c>adapt.record_test_curve</c>) changes nothing a run selects or
/// scores, and its replay (<see cref="SelectionReplay"/>) reproduces what the runs kept.
/// </summary>
[Collection(MiniLMCollection.Name)]
public sealed class SelectionRuleTests(MiniLMFixture fixture)
{
    private const int Steps = 6;

    private string Run(UserTaskFolder data, string name, string extraAdapt)
    {
        string json = $$"""
        {
          "model": {"path": "minilm"},
          "task_file": {{JsonSerializer.Serialize(data.TaskFile)}},
          "add_prefix": false,
          "sources": [{"task": "{{UserTaskFolder.Polarity}}", "data": {{JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Polarity))}}}],
          "targets": [{"task": "{{UserTaskFolder.Reviews}}", "data": {{JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Reviews))}}}],
          "adapt": {"methods": ["pt"], "prompt_length": 4, "few_shot": 2, "few_shot_per_class": true, "seeds": [1, 2], "shared_learning_rate": 0.1,
                    "loop": {"max_steps": {{Steps}}, "batch_size": 4, "max_source_length": 24, "warmup_steps": 1, "eval_every_steps": 1}{{extraAdapt}} }
        }
        """;
        string run = Path.Combine(data.Root, name);
        var backbone = new EncoderRunBackbone(RunBackbones.MiniLMName, fixture.Model, fixture.Tokenizer, ownsModel: false);
        using var runner = new PipelineRunner(ConfigJson.Parse(json), run, new PipelineRunOptions { Backbone = backbone, Reporter = new NoReport() });
        runner.Run(PipelineStages.Adapt);
        return run;
    }

    private static string Folder(string run, ulong seed) => Path.Combine(run, PipelineRunner.AdaptDir, UserTaskFolder.Reviews, "pt", $"seed-{seed}");

    private static TrainingResult Training(string run, ulong seed) =>
        JsonSerializer.Deserialize<TrainingResult>(File.ReadAllText(Path.Combine(Folder(run, seed), RunFolder.ResultFile)), RunFolder.Json)!;

    private static double Test(string run, ulong seed) =>
        TestPredictionsFile.Read(Path.Combine(Folder(run, seed), TestPredictionsFile.FileName)).Values.Single().Score();

    [Fact]
    public void Should_Record_Every_Evaluation_Without_Changing_What_The_Run_Selects_Or_Scores()
    {
        using var data = new UserTaskFolder();
        string plain = Run(data, "plain", "");
        string recorded = Run(data, "recorded", """, "record_test_curve": true""");

        foreach (ulong seed in new ulong[] { 1, 2 })
        {
            // Few-shot: step 0 competes by default, so the curve starts at step 0 and has every evaluation.
            var curve = SelectionCurve.Read(Folder(recorded, seed));
            Assert.Equal(Enumerable.Range(0, Steps + 1).Select(s => (long)s), curve.Select(p => p.Step));
            Assert.All(curve, p => Assert.True(p.DevLoss > 0 && double.IsFinite(p.DevLoss)));
            for (long step = 0; step <= Steps; step++)
                Assert.True(File.Exists(SelectionCurve.PredictionsFile(Folder(recorded, seed), step)));

            // Recording changes nothing: the same kept step, the same prompt bit for bit, the same test outcomes.
            Assert.Equal(Training(plain, seed).BestStep, Training(recorded, seed).BestStep);
            Assert.Equal(File.ReadAllBytes(Path.Combine(Folder(plain, seed), RunFolder.PromptFile)),
                         File.ReadAllBytes(Path.Combine(Folder(recorded, seed), RunFolder.PromptFile)));
            Assert.Equal(File.ReadAllText(Path.Combine(Folder(plain, seed), TestPredictionsFile.FileName)),
                         File.ReadAllText(Path.Combine(Folder(recorded, seed), TestPredictionsFile.FileName)));

            // The curve's dev metric is the one the run selected on: the kept step is its first maximum, and the test
            // score recorded at that step is the run's test score.
            var kept = curve.First(p => p.DevMetric == curve.Max(x => x.DevMetric));
            Assert.Equal(kept.Step, Training(recorded, seed).BestStep);
            Assert.Equal(Test(recorded, seed), kept.Test, 9);
        }

        // The replay of the rule the run used reproduces every run's test score.
        var replay = SelectionReplay.Replay(SelectionReplay.Load(recorded), "dev_metric+0", new PairedBootstrap(200));
        Assert.Empty(replay.Mismatches);
        var group = Assert.Single(replay.Groups);
        Assert.Equal((Test(recorded, 1) + Test(recorded, 2)) / 2, group.Outcomes.Single(o => o.Rule == "dev_metric+0").MeanTest, 9);
    }

    [Fact]
    public void Should_Keep_The_Checkpoint_Each_Rule_Names()
    {
        using var data = new UserTaskFolder();
        string byLoss = Run(data, "loss", """, "selection": "dev_loss", "record_test_curve": true""");
        string last = Run(data, "last", """, "selection": "last", "record_test_curve": true""");
        bool lossDiffersFromMetric = false;
        string curves = "";
        foreach (ulong seed in new ulong[] { 1, 2 })
        {
            // dev_loss keeps the step of the lowest dev loss (step 0 competing), and says so in its best score (−loss).
            var curve = SelectionCurve.Read(Folder(byLoss, seed));
            curves += $"seed {seed}: " + string.Join("; ", curve.Select(p => $"step {p.Step} dev {p.DevMetric} loss {p.DevLoss:F4}")) + "\n";
            var lowest = curve.First(p => p.DevLoss == curve.Min(x => x.DevLoss));
            var training = Training(byLoss, seed);
            Assert.Equal(lowest.Step, training.BestStep);
            Assert.Equal(-lowest.DevLoss, training.BestScore!.Value, 5);
            Assert.Equal(lowest.Test, Test(byLoss, seed), 9);
            // What the dev metric would have kept (the rule before adapt.selection existed, which this test would catch).
            lossDiffersFromMetric |= curve.First(p => p.DevMetric == curve.Max(x => x.DevMetric)).Step != lowest.Step;

            // last keeps the final prompt; step 0 does not compete (the curve starts at step 0 only because recording
            // evaluates it for the record).
            var lastCurve = SelectionCurve.Read(Folder(last, seed));
            Assert.Equal(lastCurve[^1].Test, Test(last, seed), 9);
            Assert.Equal(Steps, lastCurve[^1].Step);
            Assert.Equal(0, lastCurve[0].Step);
        }
        Assert.True(lossDiffersFromMetric, "the miniature run should have a seed where dev loss and dev metric keep different steps, or this test cannot tell the rules apart:\n" + curves);
    }

    [Fact]
    public void Should_Refuse_An_Unknown_Selection_Rule_Naming_The_Key()
    {
        var e = Assert.Throws<ConfigException>(() => new AdaptConfig { Selection = "best" }.Validate());
        Assert.Contains("adapt.selection", e.Message);
        Assert.Contains("dev_loss", e.Message);
    }

    private sealed class NoReport : IRunReporter
    {
        public string? Write(string runDir) => null;
    }

    [Fact]
    public void Should_Log_The_Kept_Dev_Loss_With_Its_Sign_And_The_Dev_Metric_As_Is()
    {
        // The loop ranks dev_loss checkpoints by the negated loss; the log once printed "best -dev loss -0.44".
        Assert.Equal("lowest dev loss 0.4412 at step 10", PipelineRunner.KeptCheckpoint(AdaptConfig.SelectionDevLoss, -0.44123, 10));
        Assert.Equal("best dev 87.50 at step 20", PipelineRunner.KeptCheckpoint(AdaptConfig.SelectionDevMetric, 87.5, 20));
    }
}
