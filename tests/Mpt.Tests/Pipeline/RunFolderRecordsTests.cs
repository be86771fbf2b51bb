using Mpt.Pipeline;
using Mpt.Prompts;
using Mpt.Reports;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>How the pipeline's training log entries and test scores become the report's run-folder records.</summary>
public sealed class RunFolderRecordsTests
{
    private static TrainingLogEntry Entry(Dictionary<string, double> parts, Dictionary<string, double> rates) =>
        new(Step: 7, TotalSteps: 20, Loss: 1.75, parts, rates, DevScore: 61.5, StepMilliseconds: 12.5);

    [Fact]
    public void Step_Should_Put_Named_Loss_Parts_In_Their_Fields_And_Keep_The_Rest()
    {
        var entry = Entry(
            new() { [PromptTuningObjective.TaskLoss] = 1, [Distiller.KlLoss] = 0.5, [Distiller.HiddenLoss] = 0.25, [Distiller.PromptMseLoss] = 0.125 },
            new() { [PromptParameterGroupNames.TaskSpecific] = 0.4, [PromptParameterGroupNames.Shared] = 0.3 });

        var m = RunFolderRecords.Step(entry, StageNames.Distill, RunFolderRecords.AllTasks, RunFolderRecords.DistillMethod, 42, 1000, 3.5);

        Assert.Equal((StageNames.Distill, "all", "mpt", 42L, 7L, 1.75), (m.Stage, m.Task, m.Method, m.Seed, m.Step, m.Loss));
        Assert.Equal((1.0, 0.5, 0.25), (m.LossTask!.Value, m.LossKl!.Value, m.LossHidden!.Value));
        Assert.Equal(new Dictionary<string, double> { [Distiller.PromptMseLoss] = 0.125 }, m.LossOther);
        Assert.Equal(0.3, m.Lr); // the shared prompt's rate, whatever the dictionary order
        Assert.Equal(0.4, m.LrGroups![PromptParameterGroupNames.TaskSpecific]);
        Assert.Equal((20L, 12.5, 61.5, 1000.0, 3.5), (m.TotalSteps!.Value, m.StepMs!.Value, m.DevScore!.Value, m.TokensPerS!.Value, m.ElapsedS!.Value));
        Assert.Contains("\"loss_other\":{\"prompt_mse\":0.125}", MetricsLog.Serialize(m));
        Assert.Contains("\"lr_groups\":{\"task_specific\":0.4,\"shared\":0.3}", MetricsLog.Serialize(m));
    }

    [Fact]
    public void Step_Should_Use_The_Only_Trained_Group_As_Lr_And_Omit_Empty_Parts()
    {
        var m = RunFolderRecords.Step(Entry(new() { [PromptTuningObjective.TaskLoss] = 1.75 }, new() { [PromptParameterGroupNames.TaskSpecific] = 0.4 }),
            StageNames.Adapt, "rte", "mpt-task_vectors_only", 1, 0, 0);

        Assert.Equal(0.4, m.Lr);
        Assert.Null(m.LossOther);
        Assert.Null(m.LossKl);
        Assert.DoesNotContain("loss_other", MetricsLog.Serialize(m));
    }

    [Fact]
    public void Seeds_Beyond_Long_Should_Be_Refused_With_The_Value()
    {
        Assert.Equal(long.MaxValue, RunFolderRecords.SeedOf(long.MaxValue));
        var e = Assert.Throws<ConfigException>(() => RunFolderRecords.SeedOf(ulong.MaxValue));
        Assert.Contains(ulong.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
    }

    [Fact]
    public void Stage_Folders_Should_Map_To_The_Report_Stage_Names()
    {
        Assert.Equal(StageNames.Teacher, RunFolderRecords.StageOf(PipelineRunner.TeachersDir));
        Assert.Equal(StageNames.Distill, RunFolderRecords.StageOf(PipelineRunner.DistillDir));
        Assert.Equal(StageNames.Adapt, RunFolderRecords.StageOf(PipelineRunner.AdaptDir));
    }

    [Fact]
    public void Method_Should_Average_Score_Metrics_Per_Seed_And_Keep_Every_Metric()
    {
        // MRPC-like: F1 and accuracy are scores (their mean is ATTEMPT's average_metrics), invalid_rate is a diagnostic.
        IReadOnlyDictionary<string, double> M(double f1, double acc) => new Dictionary<string, double> { ["f1"] = f1, ["accuracy"] = acc, ["invalid_rate"] = 0 };
        // MPT*: P* (l·d = 12) shared by 2 targets, each with u, v (l + d = 7): 12 + 2·7 = 26 trainable, 13 per target.
        var parameters = new ParameterReport("MultitaskPrompt", 3, 4, 2, 1, 26, 26, 13);

        var r = RunFolderRecords.Method([1, 2], [(75, M(80, 70)), (79, M(84, 74))], fewShot: 8, trainExamples: 16, parameters, 12.5);

        Assert.Equal("mean(accuracy, f1)", r.Metric);
        Assert.Equal([new SeedScore(1, 75), new SeedScore(2, 79)], r.Seeds);
        Assert.Equal(77, r.Mean, 12);
        Assert.Equal(Math.Sqrt(8), r.Std, 12);
        Assert.Equal(13, r.TrainableParams);
        Assert.Equal(["f1", "accuracy", "invalid_rate"], r.Metrics!.Keys);
        Assert.Equal(82, r.Metrics["f1"].Mean, 12);
        Assert.Equal([new SeedScore(1, 70), new SeedScore(2, 74)], r.Metrics["accuracy"].Seeds);
        Assert.Equal((8, 16, 12.5), (r.FewShot!.Value, r.TrainExamples!.Value, r.WallClockS!.Value));
        Assert.Same(parameters, r.Parameters);
        Assert.Throws<ArgumentException>(() => RunFolderRecords.Method([1, 2], [(75, M(80, 70))], null, 16, parameters, 1));
    }
}
