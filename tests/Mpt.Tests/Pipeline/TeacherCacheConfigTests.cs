using System.Text.Json;
using System.Text.Json.Nodes;
using Mpt.Pipeline;
using Mpt.Runs;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>
/// <c>distill.teacher_cache</c> (off | memory | disk_topk) and <c>distill.teacher_cache_topk</c>: what they set in
/// <see cref="DistillationOptions"/>, their checks, and that run settings and stage options recorded before the keys
/// existed still match while they are at their defaults.
/// </summary>
public sealed class TeacherCacheConfigTests
{
    [Theory]
    [InlineData("\"off\"", null, false, false, null)]
    [InlineData("\"memory\"", null, true, false, null)]
    [InlineData("\"disk_topk\"", null, true, true, DistillConfig.DefaultTeacherCacheTopk)]
    [InlineData("\"disk_topk\"", 128, true, true, 128)]
    [InlineData("\"memory\"", 128, true, false, null)]
    public void Should_Map_The_Keys_Onto_The_Library_Options(string mode, int? topK, bool cache, bool onDisk, int? expectedTopK)
    {
        string json = $"{{\"distill\": {{\"teacher_cache\": {mode}{(topK is null ? "" : $", \"teacher_cache_topk\": {topK}")}}}}}";
        var config = ConfigJson.Parse(json);
        config.Distill.Validate();

        var options = config.Distill.ToOptions();

        Assert.Equal(cache, options.CacheTeacherOutputs);
        Assert.Equal(onDisk, options.TeacherCacheOnDisk);
        Assert.Equal(expectedTopK, options.TeacherCacheTopK);
        Assert.Equal(ConfigJson.Serialize(config), ConfigJson.Serialize(ConfigJson.Parse(ConfigJson.Serialize(config))));
    }

    [Theory]
    [InlineData("\"memory\"", true)]
    [InlineData("\"disk_topk\"", true)]
    [InlineData("\"off\"", false)]
    public void Should_Round_Hidden_States_To_BFloat16_Only_With_A_Cache(string mode, bool expected)
    {
        var config = ConfigJson.Parse($"{{\"distill\": {{\"teacher_cache\": {mode}, \"teacher_cache_hidden_bf16\": true}}}}");

        Assert.Equal(expected, config.Distill.ToOptions().TeacherCacheHiddenBFloat16);
        Assert.False(new DistillConfig().ToOptions().TeacherCacheHiddenBFloat16);
    }

    [Theory]
    [InlineData("teacher_cache", "\"ram\"", "distill.teacher_cache")]
    [InlineData("teacher_cache_topk", "0", "distill.teacher_cache_topk must be >= 1")]
    public void Should_Name_The_Key_Of_A_Bad_Value(string key, string json, string message)
    {
        var e = Record.Exception(() => ConfigJson.Parse($"{{\"distill\": {{\"{key}\": {json}}}}}").Distill.Validate());
        Assert.Contains(message, Assert.IsType<ConfigException>(e).Message);
    }

    [Fact]
    public void Should_Leave_The_Keys_Out_Of_Recorded_Settings_At_Their_Defaults()
    {
        var settings = JsonNode.Parse(JsonSerializer.Serialize(new DistillConfig(), ConfigJson.RunSettingsOptions))!.AsObject();
        var stage = JsonNode.Parse(JsonSerializer.Serialize(new DistillConfig().ToOptions(), RunFolder.Json))!.AsObject();
        var disk = JsonNode.Parse(JsonSerializer.Serialize(new DistillConfig { TeacherCache = TeacherCacheMode.DiskTopk }, ConfigJson.RunSettingsOptions))!.AsObject();
        var diskStage = JsonNode.Parse(JsonSerializer.Serialize(new DistillConfig { TeacherCache = TeacherCacheMode.DiskTopk }.ToOptions(), RunFolder.Json))!.AsObject();

        Assert.False(settings.ContainsKey("teacher_cache"));
        Assert.False(settings.ContainsKey("teacher_cache_topk"));
        Assert.False(settings.ContainsKey("teacher_cache_hidden_bf16"));
        Assert.False(stage.ContainsKey(nameof(DistillationOptions.TeacherCacheHiddenBFloat16)));
        Assert.False(stage.ContainsKey(nameof(DistillationOptions.TeacherCacheTopK)));
        Assert.False(stage.ContainsKey(nameof(DistillationOptions.TeacherCacheOnDisk)));
        Assert.Equal("disk_topk", disk["teacher_cache"]!.GetValue<string>());
        Assert.Equal(DistillConfig.DefaultTeacherCacheTopk, diskStage[nameof(DistillationOptions.TeacherCacheTopK)]!.GetValue<int>());
        Assert.True(diskStage[nameof(DistillationOptions.TeacherCacheOnDisk)]!.GetValue<bool>());
    }
}
