using System.Text.Json;
using System.Text.Json.Nodes;
using Mpt.Pipeline;
using Mpt.Prompts;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>
/// The distillation choices the paper leaves open (issue 12, item 4) as <c>distill.*</c> config keys: each one
/// round-trips, reaches <see cref="DistillationOptions"/>, takes the library's default, refuses a bad value naming the
/// key, and is recorded in the run settings only when it differs from what runs made before it existed did.
/// </summary>
public sealed class DistillLossConfigTests
{
    /// <summary>Key, a non-default JSON value, the <see cref="DistillationOptions"/> property it sets and the value expected there.</summary>
    public static TheoryData<string, string, string, object> NonDefaultValues() => new()
    {
        { "temperature", "2.5", nameof(DistillationOptions.Temperature), 2.5 },
        { "scale_kl_by_temperature_squared", "false", nameof(DistillationOptions.ScaleKlByTemperatureSquared), false },
        { "hidden_layers", "\"all\"", nameof(DistillationOptions.HiddenLayers), HiddenLayers.All },
        { "reduction", "\"sum\"", nameof(DistillationOptions.Reduction), LossReduction.Sum },
        { "hidden_loss_on_prompt_positions", "false", nameof(DistillationOptions.HiddenLossOnPromptPositions), false },
        { "hidden_state_dropout", "\"one_sided\"", nameof(DistillationOptions.HiddenStateDropout), HiddenStateDropout.OneSided },
        { "task_vector_init", "\"peft_normal\"", nameof(DistillationOptions.TaskVectorInit), TaskVectorInit.PeftNormal },
    };

    private static string DistillJson(string key, string json) => $"{{\"distill\": {{\"{key}\": {json}}}}}";

    private static object? Read(DistillationOptions options, string property) => typeof(DistillationOptions).GetProperty(property)!.GetValue(options);

    [Theory]
    [MemberData(nameof(NonDefaultValues))]
    public void Should_Round_Trip_Each_Key_And_Reach_The_Library_Options(string key, string json, string property, object expected)
    {
        // Given: a config that sets the key (as a file would, and as --set does)
        var config = ConfigJson.Parse(DistillJson(key, json));
        var overridden = ConfigJson.Load(null, [ConfigJson.ParseAssignment($"distill.{key}={json}")]);

        // When: validated, mapped and written back
        config.Distill.Validate();
        string written = ConfigJson.Serialize(config);
        var reread = ConfigJson.Parse(written);

        // Then: the library options carry the value, the written config names the key, and it reads back the same
        Assert.Equal(expected, Read(config.Distill.ToOptions(), property));
        Assert.Equal(expected, Read(overridden.Distill.ToOptions(), property));
        Assert.Equal(JsonNode.Parse(json)!.ToJsonString(), JsonNode.Parse(written)!["distill"]![key]!.ToJsonString());
        Assert.Equal(expected, Read(reread.Distill.ToOptions(), property));
        Assert.Equal(written, ConfigJson.Serialize(reread));
    }

    [Theory]
    [MemberData(nameof(NonDefaultValues))]
    public void Should_Take_The_Library_Default_When_The_Key_Is_Missing(string key, string json, string property, object expected)
    {
        _ = (key, json);
        var fromConfig = Read(ConfigJson.Parse("{}").Distill.ToOptions(), property);
        Assert.Equal(Read(new DistillationOptions(), property), fromConfig);
        Assert.NotEqual(expected, fromConfig);
    }

    [Theory]
    [InlineData("temperature", "0", "distill.temperature must be > 0")]
    [InlineData("temperature", "-1", "distill.temperature must be > 0")]
    [InlineData("scale_kl_by_temperature_squared", "\"yes\"", "distill.scale_kl_by_temperature_squared")]
    [InlineData("hidden_layers", "\"middle\"", "distill.hidden_layers")]
    [InlineData("hidden_layers", "1", "distill.hidden_layers")]
    [InlineData("reduction", "\"mean\"", "distill.reduction")]
    [InlineData("hidden_loss_on_prompt_positions", "1", "distill.hidden_loss_on_prompt_positions")]
    [InlineData("hidden_state_dropout", "\"both\"", "distill.hidden_state_dropout")]
    [InlineData("task_vector_init", "\"zeros\"", "distill.task_vector_init")]
    public void Should_Name_The_Key_Of_A_Bad_Value(string key, string json, string message)
    {
        var e = Record.Exception(() => ConfigJson.Parse(DistillJson(key, json)).Distill.Validate());
        Assert.Contains(message, Assert.IsType<ConfigException>(e).Message);
    }

    [Fact]
    public void Should_Name_The_Key_And_The_Choices_Of_An_Undefined_Enum_Value()
    {
        var bad = new[]
        {
            (new DistillConfig { HiddenLayers = (HiddenLayers)7 }, "distill.hidden_layers must be one of final, all, got 7."),
            (new DistillConfig { Reduction = (LossReduction)7 }, "distill.reduction must be one of token_mean, sum, got 7."),
            (new DistillConfig { HiddenStateDropout = (HiddenStateDropout)7 }, "distill.hidden_state_dropout must be one of one_sided, clean_student_pass, got 7."),
            (new DistillConfig { TaskVectorInit = (TaskVectorInit)7 }, "distill.task_vector_init must be one of ones, peft_normal, got 7."),
        };
        foreach (var (config, message) in bad)
            Assert.Equal(message, Assert.IsType<ConfigException>(Record.Exception(() => config.Validate())).Message);
    }

    [Fact]
    public void Should_Record_A_Key_In_The_Run_Settings_Only_Away_From_The_Behaviour_Of_Older_Runs()
    {
        // Given: the keys added after run folders were recorded, and what runs made before them did
        string[] legacyAtDefault = ["scale_kl_by_temperature_squared", "hidden_layers", "reduction", "hidden_loss_on_prompt_positions", "task_vector_init"];

        // When: the default config and one with the old hidden-state behaviour are written (as pipeline_settings.json is)
        var defaults = JsonNode.Parse(JsonSerializer.Serialize(new DistillConfig(), ConfigJson.RunSettingsOptions))!.AsObject();
        var old = JsonNode.Parse(JsonSerializer.Serialize(new DistillConfig { HiddenStateDropout = HiddenStateDropout.OneSided }, ConfigJson.RunSettingsOptions))!.AsObject();

        // Then: keys at their old behaviour are left out, so older settings still match on --resume; the new default
        // hidden-state rule differs from what older runs did, so it is recorded (they are not reused under it)
        foreach (string key in legacyAtDefault) Assert.False(defaults.ContainsKey(key), $"{key} is written at its default");
        Assert.Equal("clean_student_pass", defaults["hidden_state_dropout"]!.GetValue<string>());
        Assert.False(old.ContainsKey("hidden_state_dropout"));
        Assert.Equal(defaults.Count - 1, old.Count);

        // Then: a config file still lists every key with its value (it must read back the same)
        var file = JsonNode.Parse(ConfigJson.Serialize(new PipelineConfig { Distill = new DistillConfig { HiddenStateDropout = HiddenStateDropout.OneSided } }))!["distill"]!.AsObject();
        foreach (string key in legacyAtDefault.Append("hidden_state_dropout")) Assert.True(file.ContainsKey(key), $"{key} is missing from the config file");

    }
}
