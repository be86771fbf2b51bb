using System.Text.Json;
using Mpt.Checkpoints;
using Mpt.Cli;
using Mpt.Peft;
using Mpt.Pipeline;
using Mpt.Quickstart;
using Mpt.Reports;
using Mpt.Tests.Cli;
using Mpt.Tests.Encoder;
using Mpt.Tests.Reports;
using Xunit;
using Xunit.Abstractions;

namespace Mpt.Tests.Quickstart;

/// <summary>
/// <c>mpt quickstart</c>, a preset of <c>mpt run</c>, end to end on a hand-written miniature benchmark (<c>--data-dir</c>)
/// and the real MiniLM, with the preset shrunk by <c>--set</c> to a few steps per stage: every file of the run folder is
/// written and consistent, the printed table is results.json's, the run resumes, repeats exactly and prints its
/// resume command when interrupted.
/// </summary>
[Collection(MiniLMCollection.Name)] // the embedded model's files are extracted once, by the fixture
public sealed class QuickstartCommandTests(MiniLMFixture fixture, ITestOutputHelper output)
{
    private const int TestRows = 5;

    /// <summary>The quickstart preset on the miniature benchmark: l = 4, 2 steps per stage, k = 2 per class, seeds 1 and 2.</summary>
    private static string[] Args(MiniBenchmarkFolder data, string runDir, params string[] extra)
    {
        string loop = """{"max_steps": 2, "batch_size": 4, "max_source_length": 24, "backbone_dropout": false, "eval_every_steps": 1, "log_every_steps": 1, "seed": 20231}""";
        return
        [
            "quickstart", "--data-dir", data.Path, "--run-dir", runDir, "--quiet",
            "--set", $$"""sources=[{"task": "{{MiniBenchmarkFolder.Polarity}}", "max_train_examples": 10, "max_dev_examples": 3}, {"task": "{{MiniBenchmarkFolder.Topic}}", "max_train_examples": 10, "max_dev_examples": 3}]""",
            "--set", $$"""targets=[{"task": "{{MiniBenchmarkFolder.Reviews}}", "max_dev_examples": 5, "max_test_examples": {{TestRows}}}]""",
            "--set", "teachers.prompt_length=4", "--set", "distill.prompt_length=4", "--set", "adapt.prompt_length=4",
            "--set", $"teachers.loop={loop}", "--set", $"distill.loop={loop}", "--set", $"adapt.loop={loop}",
            "--set", "adapt.few_shot=2", "--set", "adapt.seeds=[1, 2]",
            .. extra,
        ];
    }

    [Fact]
    public void Should_Write_Metrics_Results_Adapters_And_Report_Print_The_Table_Of_Results_Json_And_Resume()
    {
        using var data = new MiniBenchmarkFolder();
        string run = data.Combine("run");
        var cli = CliRunner.Run(Args(data, run));
        output.WriteLine(cli.Output + cli.Error);
        Assert.True(cli.ExitCode == 0, cli.Error + cli.Output);

        // config.json: the preset it came from, with the overrides applied and the benchmark folder resolved
        var config = ConfigJson.Load(Path.Combine(run, PipelineRunner.ConfigFile));
        Assert.Equal("quickstart", config.Preset);
        Assert.Equal("minilm", config.Model.Path);
        Assert.Equal(Path.Combine(data.Path, MiniBenchmarkFolder.Reviews), config.Targets[0].Data);

        // results.json: every method on the target, the seeds, parameter counts of l = 4, d = 384, r = 1
        var results = RunResults.Read(Path.Combine(run, RunResults.FileName));
        var methods = Assert.Single(results.Targets!);
        Assert.Equal(MiniBenchmarkFolder.Reviews, methods.Key);
        Assert.Equal(["majority", "mpt", "no-prompt", "pt", "spot"], methods.Value.Keys.Order());
        foreach (string trained in new[] { "pt", "spot", "mpt" })
        {
            Assert.Equal([1, 2], methods.Value[trained].Seeds.Select(s => s.Seed));
            // Accuracy on the 5 test rows: a whole number of them; the mean is the seeds'.
            Assert.All(methods.Value[trained].Seeds, s =>
            {
                double correct = s.Score * TestRows / 100;
                Assert.Equal(Math.Round(correct), correct, 9);
                Assert.True(correct >= 0 && correct <= TestRows, $"{trained} seed {s.Seed}: {s.Score}");
            });
            Assert.Equal(methods.Value[trained].Seeds.Average(s => s.Score), methods.Value[trained].Mean, 9);
        }
        Assert.Equal(4 * 384, methods.Value["pt"].TrainableParams);
        Assert.Equal(4 * 384, methods.Value["spot"].TrainableParams);
        Assert.Equal(4 * 384 + 4 + 384, methods.Value["mpt"].TrainableParams);
        // Train pool 5 positive / 5 negative → the tie goes to the first label (positive); the 5 test rows hold 2 positives.
        Assert.Equal(40.0, methods.Value["majority"].Mean, 9);
        Assert.Equal(2 * 2, results.Stages![StageNames.Teacher].Steps);
        Assert.Equal(2, results.Stages[StageNames.Distill].Steps);
        Assert.Equal(2 * 3 * 2, results.Stages[StageNames.Adapt].Steps);

        // metrics.jsonl: teacher curves per source, distillation with both distillation terms, every target run's dev curve
        var metrics = MetricsLog.Read(Path.Combine(run, MetricsLog.FileName));
        foreach (string source in new[] { MiniBenchmarkFolder.Polarity, MiniBenchmarkFolder.Topic })
            Assert.Equal([1L, 2L], metrics.Where(m => m.Stage == StageNames.Teacher && m.Task == source).Select(m => m.Step));
        Assert.All(metrics.Where(m => m.Stage == StageNames.Distill), m => Assert.True(m.LossKl is not null && m.LossHidden is not null));
        var adapt = metrics.Where(m => m.Stage == StageNames.Adapt).ToList();
        Assert.Equal(3 * 2, adapt.Select(m => (m.Method, m.Seed)).Distinct().Count());
        // Step 0 too: the quickstart's few-shot target runs score the initial prompt (adapt.select_step_zero).
        Assert.All(adapt.GroupBy(m => (m.Method, m.Seed)), g => Assert.Equal([0L, 1L, 2L], g.Select(m => m.Step)));
        Assert.All(adapt, m => Assert.NotNull(m.DevScore));

        // prompts: PEFT tensor names, listed in results.json for the heatmaps
        var teacherFile = results.Prompts!.Teachers![MiniBenchmarkFolder.Polarity];
        var teacher = SafetensorsFile.Read(Path.Combine(run, teacherFile));
        Assert.Equal([4L, 384L], teacher["prompt_embeddings"].shape);
        var multitask = SafetensorsFile.Read(Path.Combine(run, results.Prompts.Multitask!.Path));
        Assert.Equal([2L, 4L, 1L], multitask["prefix_task_cols"].shape);
        Assert.Equal([2L, 1L, 384L], multitask["prefix_task_rows"].shape);
        Assert.Equal([MiniBenchmarkFolder.Polarity, MiniBenchmarkFolder.Topic], results.Prompts.Multitask.Tasks);

        // the frozen encoder: the adapters record the weights of the unmodified MiniLM (fingerprinted after training)
        var adapter = PeftAdapter.Load(Path.Combine(run, PipelineRunner.AdaptDir, MiniBenchmarkFolder.Reviews, "mpt", "seed-2", PipelineRunner.AdapterDir));
        using (adapter.Encoder) Assert.Equal(ModelFingerprint.Compute(fixture.Model).WeightsSha256, adapter.TrainedFor!.WeightsSha256);

        // report with its plots, nothing missing
        string markdown = File.ReadAllText(Path.Combine(run, "report", "report.md"));
        Assert.Contains("## Results", markdown);
        var figures = Directory.GetFiles(Path.Combine(run, "report"), "*.png").Select(Path.GetFileName).ToList();
        Assert.Equal(["dev_adapt.png", "dev_distill.png", "dev_teacher.png", "loss_adapt.png", "loss_distill.png", "loss_teacher.png",
            "similarity_mpt.png", "similarity_teachers.png"], figures.Order());
        foreach (string figure in Directory.GetFiles(Path.Combine(run, "report"), "loss_*.png"))
            PngFile.AssertPlot(figure, 900, 500);

        // the printed table is results.json's: one row for the target, each cell mean ± std of its seeds
        string table = ConsoleResultsTable.Format(results.Targets!);
        Assert.Contains(table, cli.Output);
        Assert.Contains(RunSummary.Caption(config), cli.Output);
        string row = Assert.Single(table.Split('\n'), l => l.StartsWith(MiniBenchmarkFolder.Reviews, StringComparison.Ordinal));
        foreach (string method in ConsoleResultsTable.MethodOrder(methods.Value.Keys))
            Assert.Contains(ReportTables.Score(methods.Value[method], 1), row);
        Assert.Contains("1,924", table);

        // A finished folder is not overwritten; --resume skips every finished run and prints the same table.
        var again = CliRunner.Run(Args(data, run));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("--resume", again.Error);
        var resumed = CliRunner.Run(Args(data, run, "--resume"));
        Assert.True(resumed.ExitCode == 0, resumed.Error + resumed.Output);
        Assert.Equal(2 + 1 + 3 * 2, resumed.Output.Split('\n').Count(l => l.Contains("already finished (skipped)", StringComparison.Ordinal)));
        Assert.Contains(table, resumed.Output);
    }

    [Fact]
    public void Should_Give_The_Same_Results_When_Run_Twice()
    {
        using var data = new MiniBenchmarkFolder();
        var once = CliRunner.Run(Args(data, data.Combine("a"), "--set", "adapt.seeds=[3]"));
        var twice = CliRunner.Run(Args(data, data.Combine("b"), "--set", "adapt.seeds=[3]"));
        Assert.True(once.ExitCode == 0 && twice.ExitCode == 0, once.Error + twice.Error);
        var first = RunResults.Read(data.Combine("a", RunResults.FileName)).Targets![MiniBenchmarkFolder.Reviews];
        var second = RunResults.Read(data.Combine("b", RunResults.FileName)).Targets![MiniBenchmarkFolder.Reviews];
        foreach (var (method, result) in first)
            Assert.Equal(result.Seeds.Select(s => s.Score), second[method].Seeds.Select(s => s.Score));
        Assert.Equal(ConsoleResultsTable.Format(RunResults.Read(data.Combine("a", RunResults.FileName)).Targets!),
            ConsoleResultsTable.Format(RunResults.Read(data.Combine("b", RunResults.FileName)).Targets!));
    }

    [Fact]
    public void Should_Print_The_Resume_Command_When_Interrupted_And_Finish_On_Resume()
    {
        using var data = new MiniBenchmarkFolder();
        string run = data.Combine("run");
        var stopped = CliRunner.Run(Args(data, run, "--stop-after-steps", "3"));
        Assert.Equal(MptCli.Interrupted, stopped.ExitCode);
        string line = Assert.Single(stopped.Error.Split('\n'), l => l.StartsWith("resume with: mpt quickstart ", StringComparison.Ordinal));
        Assert.EndsWith("--resume", line.TrimEnd());
        Assert.DoesNotContain("--stop-after-steps", line);
        Assert.False(File.Exists(Path.Combine(run, RunResults.FileName)));

        var resumed = CliRunner.Run(Args(data, run, "--resume"));
        Assert.True(resumed.ExitCode == 0, resumed.Error + resumed.Output);
        Assert.Equal(["majority", "mpt", "no-prompt", "pt", "spot"],
            RunResults.Read(Path.Combine(run, RunResults.FileName)).Targets![MiniBenchmarkFolder.Reviews].Keys.Order());
    }
}
