using Mpt.Methods;
using Mpt.Pipeline;
using Mpt.Reports;
using Xunit;

namespace Mpt.Tests.Methods;

/// <summary>The method registry: config selection, learning-rate groups, report names.</summary>
public sealed class AdaptMethodsTests
{
    [Theory]
    [InlineData("pt", "both", false, "pt")]
    [InlineData("pt", "shared_only", true, "pt")]   // PT has no update or multi-target variants: the switches do not apply
    [InlineData("spot", "both", false, "spot")]
    [InlineData("mpt", "both", false, "mpt")]
    [InlineData("mpt", "both", true, "mpt*")]
    [InlineData("mpt", "shared_only", false, "mpt-shared_only")]
    [InlineData("mpt", "task_vectors_only", false, "mpt-task_vectors_only")]
    public void Should_Select_The_Record_Of_A_Config(string name, string update, bool multiTarget, string key)
    {
        Assert.Equal(key, AdaptMethods.Select(name, update, multiTarget)?.ResultsKey);
    }

    [Fact]
    public void Should_Give_Each_Ablation_Its_Learning_Rate_Groups()
    {
        var sharedOnly = AdaptMethods.MptSharedOnly.Rates(0.3, 0.4);
        var vectorsOnly = AdaptMethods.MptTaskVectorsOnly.Rates(0.3, 0.4);
        var both = AdaptMethods.Mpt.Rates(0.3, 0.4);
        var pt = AdaptMethods.PromptTuning.Rates(0.3, 0.4);
        Assert.Equal((0.3, (double?)null), (sharedOnly.Shared!.Value, sharedOnly.TaskSpecific));
        Assert.Equal(((double?)null, 0.4), (vectorsOnly.Shared, vectorsOnly.TaskSpecific!.Value));
        Assert.Equal((0.3, 0.4), (both.Shared!.Value, both.TaskSpecific!.Value));
        Assert.Null(pt.TaskSpecific);
    }

    [Fact]
    public void Should_Refuse_Multi_Target_With_An_Update_Ablation_Naming_The_Keys()
    {
        var e = Assert.Throws<ConfigException>(() => new AdaptConfig { Methods = ["mpt"], Update = "shared_only", MultiTarget = true }.Validate());
        Assert.Contains("adapt.update", e.Message);
        Assert.Contains("adapt.multi_target", e.Message);
    }

    [Fact]
    public void Should_Run_Methods_In_The_Config_Order_As_Registry_Records()
    {
        var selected = new AdaptConfig { Methods = ["spot", "mpt", "pt"], Update = "task_vectors_only" }.SelectedMethods();
        Assert.Equal(["spot", "mpt-task_vectors_only", "pt"], selected.Select(m => m.ResultsKey));
    }

    [Fact]
    public void Should_Name_And_Order_Every_Registered_Method_From_The_Registry()
    {
        Assert.Equal(AdaptMethods.All.Select(m => m.ResultsKey), MethodNames.Order(AdaptMethods.All.Select(m => m.ResultsKey).Reverse()));
        foreach (var m in AdaptMethods.All) Assert.Equal(m.DisplayName, MethodNames.Display(m.ResultsKey));
        Assert.Equal("my-method", MethodNames.Display("my-method"));
    }
}
