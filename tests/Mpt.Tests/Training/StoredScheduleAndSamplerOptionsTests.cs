using System.Text.Json;
using System.Text.Json.Nodes;
using Mpt.Pipeline;
using Mpt.Runs;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Training;

/// <summary>
/// The warm-up cap and the batch split are recorded (run folder <c>config.json</c>, <c>pipeline_settings.json</c>) except
/// while they hold the behaviour of runs made before them (no cap, equal split), so those runs still resume under it.
/// </summary>
public sealed class StoredScheduleAndSamplerOptionsTests
{
    private static JsonObject Stored(object value, JsonSerializerOptions json) => JsonNode.Parse(JsonSerializer.Serialize(value, json))!.AsObject();

    [Fact]
    public void Stage_Options_Should_Record_The_Cap_And_The_Split_Only_Away_From_The_Old_Behaviour()
    {
        var defaults = Stored(new DistillationOptions(), RunFolder.Json);
        var old = Stored(new DistillationOptions { BatchSplit = TaskBatchSplit.Equal, Loop = new TrainingLoopOptions { Epochs = 5, MaxWarmupFraction = null } }, RunFolder.Json);

        Assert.Equal("Proportional", defaults[nameof(DistillationOptions.BatchSplit)]!.GetValue<string>());
        Assert.Equal(0.1, defaults[nameof(DistillationOptions.Loop)]![nameof(TrainingLoopOptions.MaxWarmupFraction)]!.GetValue<double>());
        Assert.False(old.ContainsKey(nameof(DistillationOptions.BatchSplit)));
        Assert.False(old[nameof(DistillationOptions.Loop)]!.AsObject().ContainsKey(nameof(TrainingLoopOptions.MaxWarmupFraction)));
    }

    [Fact]
    public void Pipeline_Settings_Should_Leave_Out_An_Uncapped_Warm_Up_But_Config_Files_Keep_It()
    {
        var uncapped = new LoopConfig { MaxWarmupFraction = null };

        Assert.True(Stored(new LoopConfig(), ConfigJson.RunSettingsOptions).ContainsKey("max_warmup_fraction"));
        Assert.False(Stored(uncapped, ConfigJson.RunSettingsOptions).ContainsKey("max_warmup_fraction"));
        // The resolved config file keeps the null, so it reads back without a cap.
        var config = new PipelineConfig { Adapt = new AdaptConfig { Loop = uncapped } };
        Assert.Null(ConfigJson.Parse(ConfigJson.Serialize(config)).Adapt.Loop.MaxWarmupFraction);
    }
}
