using System.Text.Json.Nodes;
using Mpt.Reports;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Reports;

/// <summary>The optional fields the pipeline adds to the run-folder records: names on disk and round trips.</summary>
public sealed class ExtendedRecordTests
{
    [Fact]
    public void Results_Should_Round_Trip_The_Optional_Pipeline_Fields()
    {
        using var run = new SyntheticRunFolder();
        string path = run.File(RunResults.FileName);
        var parameters = new ParameterReport("MultitaskPrompt", 4, 8, 1, 1, 44, 12, 44);
        var mpt = MethodResult.FromSeeds("matthews_corrcoef", [new(42, 30), new(43, 34)], 12) with
        {
            Metrics = new Dictionary<string, MetricSummary>
            {
                ["matthews_corrcoef"] = MetricSummary.FromSeeds([new(42, 30), new(43, 34)]),
                ["pearson"] = MetricSummary.FromSeeds([new(42, double.NaN), new(43, 10)]), // undefined on one seed
            },
            FewShot = 16,
            TrainExamples = 16,
            Parameters = parameters,
            WallClockS = 9.5,
        };
        var results = new RunResults(
            Targets: new Dictionary<string, IReadOnlyDictionary<string, MethodResult>> { ["cola"] = new Dictionary<string, MethodResult> { ["mpt"] = mpt } },
            Stages: new Dictionary<string, StageSummary>
            {
                [StageNames.Teacher] = new(3.5, 8, new Dictionary<string, ParameterReport> { ["mnli"] = parameters with { Method = "SoftPrompt" } }),
            });

        results.Write(path);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        var back = RunResults.Read(path);

        var cola = json["targets"]!["cola"]!["mpt"]!;
        Assert.Equal(16, (int)cola["few_shot"]!);
        Assert.Equal(16, (int)cola["train_examples"]!);
        Assert.Equal(9.5, (double)cola["wall_clock_s"]!);
        Assert.Equal(12, (long)cola["parameters"]!["trainable_parameters"]!);
        Assert.Equal(32, (double)cola["metrics"]!["matthews_corrcoef"]!["mean"]!, 12);
        Assert.Equal("NaN", (string)cola["metrics"]!["pearson"]!["mean"]!);
        Assert.Equal(8, (long)json["stages"]!["teacher"]!["steps"]!);
        Assert.Equal("SoftPrompt", (string)json["stages"]!["teacher"]!["parameters"]!["mnli"]!["method"]!);

        var r = back.Targets!["cola"]["mpt"];
        Assert.Equal(parameters, r.Parameters);
        Assert.Equal((16, 16, 9.5), (r.FewShot!.Value, r.TrainExamples!.Value, r.WallClockS!.Value));
        Assert.Equal(mpt.Metrics["matthews_corrcoef"].Seeds, r.Metrics!["matthews_corrcoef"].Seeds);
        Assert.True(double.IsNaN(r.Metrics["pearson"].Mean));
        Assert.Equal(44, back.Stages![StageNames.Teacher].Parameters!["mnli"].TotalParameters);
    }

    [Fact]
    public void Metrics_Should_Round_Trip_The_Optional_Pipeline_Fields()
    {
        using var run = new SyntheticRunFolder();
        string path = run.File(MetricsLog.FileName);
        var record = new StepMetrics(StageNames.Distill, "all", "mpt", 5_000_000_000, 3, 1.5, LossTask: 1, TotalSteps: 10, StepMs: 20.5,
            LossOther: new Dictionary<string, double> { ["prompt_mse"] = 0.5 }, LrGroups: new Dictionary<string, double> { ["shared"] = 0.3 });

        MetricsLog.Append(path, record);
        var back = Assert.Single(MetricsLog.Read(path));

        Assert.Equal(5_000_000_000, back.Seed); // seeds beyond int
        Assert.Equal((10L, 20.5), (back.TotalSteps!.Value, back.StepMs!.Value));
        Assert.Equal(record.LossOther, back.LossOther);
        Assert.Equal(record.LrGroups, back.LrGroups);
        Assert.Throws<ArgumentException>(() => MetricsLog.Append(path, record with { TotalSteps = -1 }));
    }

    [Fact]
    public void Mpt_Star_Should_Follow_Mpt_In_Report_Order()
    {
        Assert.Equal(["pt", "spot", "mpt", "mpt*", "mpt-shared_only"], MethodNames.Order(["mpt-shared_only", "mpt*", "mpt", "spot", "pt"]));
        Assert.Equal("MPT*", MethodNames.Display("mpt*"));
    }
}
