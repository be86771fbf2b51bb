using Mpt.Cli;
using Mpt.Pipeline;
using Mpt.Reports;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>The one end-of-run summary of <c>mpt run</c>, the stage verbs and <c>mpt quickstart</c>.</summary>
public sealed class RunSummaryTests
{
    private static MethodResult Result(string metric, long parameters, params double[] scores) =>
        MethodResult.FromSeeds(metric, scores.Select((s, i) => new SeedScore(i + 1, s)).ToList(), parameters);

    private static string Write(RunResults results, PipelineConfig config)
    {
        var text = new StringWriter();
        RunSummary.Write(text, results, config, "/runs/R");
        return text.ToString();
    }

    [Fact]
    public void Should_Print_Baselines_First_Then_The_Trained_Methods_With_Their_Parameters_Under_The_Caption()
    {
        var targets = new Dictionary<string, IReadOnlyDictionary<string, MethodResult>>
        {
            ["uci-amazon"] = new Dictionary<string, MethodResult>
            {
                ["mpt"] = Result("accuracy", 4234, 86, 87), ["pt"] = Result("accuracy", 3840, 85, 86),
                ["majority"] = Result("accuracy", 0, 49), ["no-prompt"] = Result("accuracy", 0, 73.5),
            },
        };
        var config = ConfigJson.Parse("""{"adapt": {"few_shot": 16, "few_shot_per_class": true, "seeds": [1, 2]}}""");
        string text = Write(new RunResults(Targets: targets, Stages: new Dictionary<string, StageSummary> { ["teacher"] = new(43.4) }), config);
        var lines = text.Split('\n');
        int caption = Array.IndexOf(lines, "Results: test score, mean ± std over 2 seed(s) (k = 16 per class; best dev checkpoint incl. step 0)");
        Assert.True(caption >= 0, text);
        Assert.Equal(["target", "(accuracy", "%)", "majority", "no", "prompt", "PT", "MPT"], lines[caption + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("uci-amazon", lines[caption + 3]);
        Assert.Contains("86.5 ± 0.7", lines[caption + 3]);
        Assert.Equal(["trainable", "params", "0", "0", "3,840", "4,234"], lines[caption + 4].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Wall clock: teacher 43 s", text);
        Assert.Contains("Run folder: /runs/R (results.json, metrics.jsonl)", text);
    }

    [Fact]
    public void Should_Say_Score_When_The_Cells_Are_Not_All_Accuracies_And_Print_No_Table_Without_Targets()
    {
        var targets = new Dictionary<string, IReadOnlyDictionary<string, MethodResult>>
        {
            ["rte"] = new Dictionary<string, MethodResult> { ["mpt"] = Result("accuracy", 10, 60) },
            ["mrpc"] = new Dictionary<string, MethodResult> { ["mpt"] = Result("average(f1, accuracy)", 10, 70) },
        };
        var config = ConfigJson.Parse("{}");
        string text = Write(new RunResults(Targets: targets), config);
        Assert.Contains("Results: test score, mean ± std over 1 seed(s) (best dev checkpoint)", text);
        Assert.Contains("target (score)", text);
        Assert.DoesNotContain("accuracy %", text);

        string stageOnly = Write(new RunResults(Stages: new Dictionary<string, StageSummary> { ["distill"] = new(12) }), config);
        Assert.DoesNotContain("Results:", stageOnly);
        Assert.Contains("Wall clock: distill 12 s", stageOnly);
    }

    [Theory]
    [InlineData("""{"adapt": {"few_shot": 16, "few_shot_per_class": true, "selection": "dev_loss"}}""", "(k = 16 per class; lowest dev loss checkpoint incl. step 0)")]
    [InlineData("""{"adapt": {"selection": "dev_loss"}}""", "(lowest dev loss checkpoint)")]
    [InlineData("""{"adapt": {"few_shot": 16, "few_shot_per_class": true, "selection": "last"}}""", "(k = 16 per class; last checkpoint)")]
    [InlineData("""{"adapt": {"few_shot": 16, "few_shot_per_class": true, "select_step_zero": false}}""", "(k = 16 per class; best dev checkpoint)")]
    public void Should_Name_The_Checkpoint_Rule_In_Force_In_The_Caption(string json, string expected)
    {
        Assert.EndsWith(expected, RunSummary.Caption(ConfigJson.Parse(json)));
    }
}
