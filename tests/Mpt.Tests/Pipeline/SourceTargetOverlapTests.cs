using Mpt.Pipeline;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>A target that is also a source is refused before any work, unless allow_source_target_overlap says otherwise.</summary>
public sealed class SourceTargetOverlapTests
{
    private const string Overlapping = """
        {"model": {"path": "/nonexistent-model"},
         "sources": [{"task": "mnli", "data": "d"}, {"task": "rte", "data": "d"}],
         "targets": [{"task": "cb", "data": "d"}, {"task": "rte", "data": "d"}]}
        """;

    [Theory]
    [InlineData(PipelineStages.All)]
    [InlineData(PipelineStages.Teachers)]
    [InlineData(PipelineStages.Adapt)]
    public void Validate_Should_Refuse_A_Target_That_Is_Also_A_Source_Naming_Task_And_Keys(PipelineStages stages)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigJson.Parse(Overlapping).Validate(stages));

        Assert.Contains("task 'rte' is both a source (sources[1]) and a target (targets[1])", e.Message);
        Assert.Contains("allow_source_target_overlap", e.Message);
    }

    [Fact]
    public void Validate_Should_Accept_The_Overlap_When_Allowed_Explicitly()
    {
        var config = ConfigJson.Load(null, [new("model.path", "/m"), new("allow_source_target_overlap", true),
            new("sources", System.Text.Json.Nodes.JsonNode.Parse("""[{"task": "mnli", "data": "d"}, {"task": "rte", "data": "d"}]""")),
            new("targets", System.Text.Json.Nodes.JsonNode.Parse("""[{"task": "rte", "data": "d"}]"""))]);

        config.Validate();

        Assert.True(config.AllowSourceTargetOverlap);
    }

    [Fact]
    public void Runner_Should_Refuse_Before_Any_Training()
    {
        string runDir = Path.Combine(Path.GetTempPath(), $"mpt-overlap-{Guid.NewGuid():N}");
        try
        {
            using var runner = new PipelineRunner(ConfigJson.Parse(Overlapping), runDir);

            var e = Assert.Throws<ConfigException>(() => runner.Run(PipelineStages.All));

            Assert.Contains("allow_source_target_overlap", e.Message);
            Assert.False(Directory.Exists(Path.Combine(runDir, PipelineRunner.TeachersDir)));
        }
        finally
        {
            if (Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
        }
    }
}
