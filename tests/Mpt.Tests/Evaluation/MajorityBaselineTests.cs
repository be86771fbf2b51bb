using Mpt.Evaluation;
using Mpt.Metrics;
using Mpt.Tasks;
using Mpt.Tasks.Formatters;
using Xunit;

namespace Mpt.Tests.Evaluation;

/// <summary>The untrained majority baseline: the most frequent train target, ties to the label listed first.</summary>
public sealed class MajorityBaselineTests
{
    private static TaskDefinition Task(params string[] labels) => new()
    {
        Name = "t", Prefix = "t", Template = [new SourceField("x:", "x")], Labels = labels, Formatter = new TemplateFormatter(),
        Metrics = [MetricKind.Accuracy], SplitRule = SplitRule.Own, DataSplits = new DataSplitMap("train", "validation", "test"), Schema = [],
    };

    private static List<TextToTextRow> Rows(params string[] targets) =>
        targets.Select(t => new TextToTextRow("x", t, "t", new Dictionary<string, object?>())).ToList();

    [Fact]
    public void Should_Answer_The_Most_Frequent_Train_Label()
    {
        var result = MajorityBaseline.Evaluate(Task("a", "b"), Rows("b", "b", "a"), Rows("b", "a", "b", "b"));
        Assert.Equal(75.0, result.Metrics["accuracy"], 9);
        Assert.All(result.Predictions, p => Assert.Equal("b", p));
    }

    [Fact]
    public void Should_Break_A_Tie_By_The_Task_Label_Order_Not_The_Row_Order()
    {
        var result = MajorityBaseline.Evaluate(Task("b", "a"), Rows("a", "b"), Rows("b", "a"));
        Assert.Equal("b", result.Predictions[0]);
    }
}
