using Mpt.Pipeline;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>The task sampler's open choices are config keys (distill.sampler.*), validated with messages naming the key.</summary>
public sealed class SamplerConfigTests
{
    private static PipelineConfig Config(params string[] assignments) => ConfigJson.Load(null,
        [.. new[] { "model.path=/m", """sources=[{"task":"mnli","data":"d"},{"task":"qnli","data":"d"},{"task":"qqp","data":"d"}]""",
            """targets=[{"task":"rte","data":"d"}]""" }.Concat(assignments).Select(ConfigJson.ParseAssignment)]);

    [Fact]
    public void Defaults_Should_Be_The_Proportional_Split_Without_Replacement_Uncapped_Over_All_Sources()
    {
        var sampler = Config().Distill.ToOptions().SamplerOptions();

        Assert.Equal(TaskBatchSplit.Proportional, sampler.BatchSplit);
        Assert.False(sampler.WithReplacement);
        Assert.Null(sampler.SizeCap);
        Assert.Null(sampler.MaxTasksPerBatch);
        Assert.True(sampler.StochasticTaskSampling);
    }

    [Fact]
    public void Keys_Should_Reach_The_Sampler()
    {
        var config = Config("distill.sampler.batch_split=equal", "distill.sampler.with_replacement=true", "distill.sampler.size_cap=262144",
            "distill.sampler.max_tasks_per_batch=2");
        config.Validate();

        var sampler = config.Distill.ToOptions().SamplerOptions();

        Assert.Equal(TaskBatchSplit.Equal, sampler.BatchSplit);
        Assert.True(sampler.WithReplacement);
        Assert.Equal(262144, sampler.SizeCap);
        Assert.Equal(2, sampler.MaxTasksPerBatch);
        Assert.Contains("\"batch_split\": \"equal\"", ConfigJson.Serialize(config));
    }

    [Theory]
    [InlineData("distill.sampler.size_cap=0", "distill.sampler.size_cap must be >= 1")]
    [InlineData("distill.sampler.max_tasks_per_batch=1", "distill.sampler.max_tasks_per_batch must be >= 2")]
    [InlineData("distill.sampler.max_tasks_per_batch=4", "distill.sampler.max_tasks_per_batch (4) exceeds the 3 sources")]
    [InlineData("distill.loop.batch_size=2", "distill.loop.batch_size (2) is smaller than κ = 3")]
    [InlineData("sources=[{\"task\":\"mnli\",\"data\":\"d\"}]", "distill.stochastic_task_sampling")]
    public void Impossible_Settings_Should_Be_Refused_Naming_The_Key(string assignment, string message)
    {
        var e = Assert.Throws<ConfigException>(() => Config(assignment).Validate());

        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Unknown_Split_Should_Be_Named()
    {
        var e = Assert.Throws<ConfigException>(() => Config("distill.sampler.batch_split=even"));

        Assert.Contains("distill.sampler.batch_split", e.Message);
    }

    [Fact]
    public void More_Tasks_Than_Sources_Are_Fine_With_Replacement_And_One_Source_Without_Stochastic_Sampling()
    {
        Config("distill.sampler.max_tasks_per_batch=5", "distill.sampler.with_replacement=true").Validate();
        Config("sources=[{\"task\":\"mnli\",\"data\":\"d\"}]", "distill.stochastic_task_sampling=false").Validate();
    }
}
