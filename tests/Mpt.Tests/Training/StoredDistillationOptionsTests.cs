using System.Text.Json;
using System.Text.Json.Nodes;
using Mpt.Runs;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Training;

/// <summary>
/// The stage options a run folder stores (<c>config.json</c>, compared as text when a run resumes) leave out options
/// added later while they hold the behaviour of the runs made before them, and record any other value.
/// </summary>
public sealed class StoredDistillationOptionsTests
{
    private static JsonObject Stored(DistillationOptions options) =>
        JsonNode.Parse(JsonSerializer.Serialize(new { Stage = "distillation", Options = options }, RunFolder.Json))!["Options"]!.AsObject();

    [Fact]
    public void Should_Store_Later_Options_Only_Away_From_The_Behaviour_Of_Older_Runs()
    {
        // When: the defaults, the old hidden-state behaviour, and an unscaled KL are stored
        var defaults = Stored(new DistillationOptions());
        var oneSided = Stored(new DistillationOptions { HiddenStateDropout = HiddenStateDropout.OneSided });
        var unscaled = Stored(new DistillationOptions { ScaleKlByTemperatureSquared = false });

        // Then: the T² factor (always on before the option) is stored only when off; the hidden-state rule is stored unless
        // it is the old one-sided behaviour, so a checkpoint of an older run resumes only under that behaviour
        Assert.False(defaults.ContainsKey(nameof(DistillationOptions.ScaleKlByTemperatureSquared)));
        Assert.False(unscaled[nameof(DistillationOptions.ScaleKlByTemperatureSquared)]!.GetValue<bool>());
        Assert.Equal("CleanStudentPass", defaults[nameof(DistillationOptions.HiddenStateDropout)]!.GetValue<string>());
        Assert.False(oneSided.ContainsKey(nameof(DistillationOptions.HiddenStateDropout)));
        Assert.Equal(defaults.Count - 1, oneSided.Count);
    }
}
