using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Training;

/// <summary>Parameter accounting against the paper's closed forms (§3.2, Table 1; docs/method.md §2.9).</summary>
public sealed class ParameterReportTests
{
    [Fact]
    public void Should_Count_77668_Per_T5_Base_Target_And_10468_Per_Task_For_Eight_Targets()
    {
        using var scope = torch.NewDisposeScope();
        using var source = MultitaskPrompt.Create(torch.zeros(100, 768), numTasks: 6);
        using var single = TargetPrompts.FromSource(source);
        using var glue = TargetPrompts.FromSource(source, numTargets: 8);
        using var pt = new SoftPrompt(torch.zeros(100, 768));

        var one = ParameterReport.Of(single);
        var eight = ParameterReport.Of(glue);
        var plain = ParameterReport.Of(pt);

        Assert.Equal(77_668, one.TotalParameters);                   // l·d + l + d
        Assert.Equal(77_668, one.TrainableParameters);
        Assert.Equal(76_800 + 8 * 868, eight.TotalParameters);        // l·d + (l + d)·τ
        Assert.Equal(10_468, eight.ParametersPerTask);                // l·d / τ + l + d
        Assert.Equal(76_800, plain.TotalParameters);                  // l·d
        Assert.Contains("77,668", one.ToString());
    }

    [Fact]
    public void Should_Count_Only_Trained_Groups_As_Trainable()
    {
        using var scope = torch.NewDisposeScope();
        using var prompt = MultitaskPrompt.Create(torch.zeros(100, 768), numTasks: 1);
        using var optimizer = new PromptOptimizer(prompt, AdaptationRates.OnlyTaskVectors);
        var report = ParameterReport.Of(prompt);
        Assert.Equal(868, report.TrainableParameters);
        Assert.Equal(77_668, report.TotalParameters);
    }
}
