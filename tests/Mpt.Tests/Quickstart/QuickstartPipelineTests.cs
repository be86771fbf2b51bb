using System.Diagnostics;
using Mpt.Checkpoints;
using Mpt.Quickstart;
using Mpt.Reports;
using Mpt.Tests.Encoder;
using Mpt.Tests.Reports;
using Xunit;
using Xunit.Abstractions;

namespace Mpt.Tests.Quickstart;

/// <summary>
/// The quickstart pipeline's own code, end to end, on a hand-written miniature benchmark and the real MiniLM with a
/// few steps per stage: every file of the run folder is written and consistent, and the printed table is the one in
/// results.json.
/// </summary>
[Collection(MiniLMCollection.Name)]
public sealed class QuickstartPipelineTests(MiniLMFixture fixture, ITestOutputHelper output)
{
    private static QuickstartOptions Tiny(string runDir) => new()
    {
        RunDir = runDir,
        Sources = [MiniBenchmarkFolder.Polarity, MiniBenchmarkFolder.Topic],
        Targets = [MiniBenchmarkFolder.Reviews],
        PromptLength = 4,
        MaxSourceLength = 24,
        BatchSize = 4,
        TargetBatchSize = 4,
        TeacherSteps = 2,
        SourceTrainCap = 10,
        SourceDevSize = 3,
        SourceEvalEvery = 1,
        DistillSteps = 2,
        ShotsPerClass = [2],
        Seeds = [1, 2],
        TargetSteps = 2,
        TargetEvalEvery = 1,
        TargetDevSize = 5,
        TargetTestSize = 5,
        LogEverySteps = 1,
    };

    [Fact]
    public void Should_Write_Metrics_Results_Prompts_And_Report_And_Print_The_Table_Of_Results_Json()
    {
        using var data = new MiniBenchmarkFolder();
        var options = Tiny(data.Combine("run"));
        var log = new StringWriter();
        var clock = Stopwatch.StartNew();
        var before = fixture.Model.parameters().Select(p => p.detach().clone()).ToList();

        var result = QuickstartPipeline.Run(options, BuiltBenchmark.Open(data.Path), fixture.Model, fixture.Tokenizer, log);

        output.WriteLine(log.ToString());
        output.WriteLine($"pipeline ran in {clock.Elapsed.TotalSeconds:F1} s");
        string run = result.RunDir;

        // results.json: every method on the target, the seeds, parameter counts of l = 4, d = 384, r = 1
        var results = RunResults.Read(Path.Combine(run, RunResults.FileName));
        var methods = Assert.Single(results.Targets!);
        Assert.Equal(MiniBenchmarkFolder.Reviews, methods.Key);
        Assert.Equal(["majority", "mpt", "no-prompt", "pt", "spot"], methods.Value.Keys.Order());
        foreach (string trained in new[] { "pt", "spot", "mpt" })
        {
            Assert.Equal([1, 2], methods.Value[trained].Seeds.Select(s => s.Seed));
            // Accuracy on the TargetTestSize test rows: a whole number of them; the mean is the seeds'.
            Assert.All(methods.Value[trained].Seeds, s =>
            {
                double correct = s.Score * options.TargetTestSize / 100;
                Assert.Equal(Math.Round(correct), correct, 9);
                Assert.True(correct >= 0 && correct <= options.TargetTestSize, $"{trained} seed {s.Seed}: {s.Score}");
            });
            Assert.Equal(methods.Value[trained].Seeds.Average(s => s.Score), methods.Value[trained].Mean, 9);
        }
        Assert.Equal(4 * 384, methods.Value["pt"].TrainableParams);
        Assert.Equal(4 * 384, methods.Value["spot"].TrainableParams);
        Assert.Equal(4 * 384 + 4 + 384, methods.Value["mpt"].TrainableParams);
        // Train pool 5 positive / 5 negative → the tie goes to class 0 (positive); the 5 test rows hold 2 positives.
        Assert.Equal(40.0, methods.Value["majority"].Mean, 9);
        Assert.Contains(StageNames.Teacher, results.Stages!.Keys);
        Assert.Contains(StageNames.Distill, results.Stages.Keys);
        Assert.Contains(StageNames.Adapt, results.Stages.Keys);
        Assert.Equal(2 * 2, results.Stages[StageNames.Teacher].Steps);
        Assert.Equal(2 * 3 * 2, results.Stages[StageNames.Adapt].Steps);

        // metrics.jsonl: teacher curves per source, distillation with both distillation terms, step 0 of every target run
        var metrics = MetricsLog.Read(Path.Combine(run, MetricsLog.FileName));
        foreach (string source in options.Sources)
            Assert.Equal([1L, 2L], metrics.Where(m => m.Stage == StageNames.Teacher && m.Task == source).Select(m => m.Step));
        Assert.All(metrics.Where(m => m.Stage == StageNames.Distill), m => Assert.True(m.LossKl is not null && m.LossHidden is not null));
        var adapt = metrics.Where(m => m.Stage == StageNames.Adapt).ToList();
        Assert.Equal(6, adapt.Count(m => m.Step == 0));
        Assert.All(adapt, m => Assert.NotNull(m.DevScore));

        // prompts: PEFT tensor names, listed in results.json for the heatmaps
        var teacherFile = results.Prompts!.Teachers![MiniBenchmarkFolder.Polarity];
        var teacher = SafetensorsFile.Read(Path.Combine(run, teacherFile));
        Assert.Equal([4L, 384L], teacher["prompt_embeddings"].shape);
        var multitask = SafetensorsFile.Read(Path.Combine(run, results.Prompts.Multitask!.Path));
        Assert.Equal([2L, 4L, 1L], multitask["prefix_task_cols"].shape);
        Assert.Equal([2L, 1L, 384L], multitask["prefix_task_rows"].shape);
        Assert.Equal(options.Sources, results.Prompts.Multitask.Tasks);

        // report with its plots, nothing missing
        Assert.True(File.Exists(result.Report.Markdown));
        Assert.Empty(result.Report.Missing);
        string markdown = File.ReadAllText(result.Report.Markdown);
        Assert.Contains("## Results", markdown);
        var figures = result.Report.Figures.Select(Path.GetFileName).ToList();
        Assert.Equal(["dev_adapt.png", "dev_distill.png", "dev_teacher.png", "loss_adapt.png", "loss_distill.png", "loss_teacher.png",
            "similarity_mpt.png", "similarity_teachers.png"], figures.Order());
        foreach (string figure in result.Report.Figures.Where(f => Path.GetFileName(f).StartsWith("loss_")))
            PngFile.AssertPlot(figure, 900, 500);

        // the printed table is results.json's: one row for the target, each cell mean ± std of its seeds
        Assert.Contains(result.Table, log.ToString());
        string row = Assert.Single(result.Table.Split('\n'), l => l.StartsWith(MiniBenchmarkFolder.Reviews));
        foreach (string method in ConsoleResultsTable.MethodOrder(methods.Value.Keys))
            Assert.Contains(ReportTables.Score(methods.Value[method], 1), row);
        Assert.Contains("1,924", result.Table);

        // the frozen encoder is untouched
        Assert.All(fixture.Model.parameters().Zip(before), p => Assert.True(p.First.equal(p.Second).all().item<bool>(), "a MiniLM weight changed"));
        foreach (var t in before) t.Dispose();
    }

    [Fact]
    public void Should_Give_The_Same_Results_When_Run_Twice()
    {
        using var data = new MiniBenchmarkFolder();
        var once = QuickstartPipeline.Run(Tiny(data.Combine("a")) with { Seeds = [3] }, BuiltBenchmark.Open(data.Path), fixture.Model, fixture.Tokenizer, TextWriter.Null);
        var twice = QuickstartPipeline.Run(Tiny(data.Combine("b")) with { Seeds = [3] }, BuiltBenchmark.Open(data.Path), fixture.Model, fixture.Tokenizer, TextWriter.Null);
        Assert.Equal(once.Table, twice.Table);
        foreach (var (method, result) in once.Results.Targets![MiniBenchmarkFolder.Reviews])
            Assert.Equal(result.Seeds.Select(s => s.Score), twice.Results.Targets![MiniBenchmarkFolder.Reviews][method].Seeds.Select(s => s.Score));
    }
}
