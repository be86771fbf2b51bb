using Mpt.Model;
using Mpt.Peft;
using Mpt.Prompts;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Peft;

/// <summary>Reading and writing <c>adapter_config.json</c> as PEFT does (tolerant reading, exact writing, named errors).</summary>
public sealed class PeftAdapterConfigTests
{
    [Fact]
    public void Should_Require_Only_Peft_Type_And_Fill_Peft_Defaults()
    {
        // When
        var config = PeftAdapterConfig.FromJson("""{"peft_type": "MULTITASK_PROMPT_TUNING"}""");

        // Then: the dataclass defaults of MultitaskPromptTuningConfig
        Assert.Equal("RANDOM", config.PromptTuningInit);
        Assert.Equal(0, config.PromptTuningInitTask);
        Assert.Equal(1, config.NumRanks);
        Assert.Equal(1, config.NumTasks);
        Assert.False(config.InferenceMode);
        Assert.Null(config.NumVirtualTokens);
        Assert.Null(config.TaskType);
        Assert.Equal(1, config.EffectiveTransformerSubmodules);
    }

    [Fact]
    public void Should_Ignore_Unknown_Keys_And_Keep_Newer_Peft_Keys()
    {
        // Given: a config as PEFT >= 0.18 writes it, plus a key no PEFT version knows
        const string json = """
            {"peft_type": "PROMPT_TUNING", "peft_version": "0.18.1", "modules_to_save": ["classifier"],
             "some_future_key": {"x": 1}, "num_virtual_tokens": 4, "token_dim": 8, "task_type": "SEQ_2_SEQ_LM",
             "num_tasks": 7}
            """;

        // When
        var config = PeftAdapterConfig.FromJson(json);
        string written = config.ToJson();

        // Then
        Assert.Equal("0.18.1", config.PeftVersion);
        Assert.Equal(["classifier"], config.ModulesToSave!);
        Assert.Equal(2, config.EffectiveTransformerSubmodules); // PEFT's seq2seq default when unset
        Assert.DoesNotContain("some_future_key", written);
        Assert.DoesNotContain("num_tasks", written); // not a PromptTuningConfig field: dropped, as PEFT does
        Assert.Contains("\"peft_version\": \"0.18.1\"", written);
        Assert.Contains("\"modules_to_save\": [\n    \"classifier\"\n  ]", written);
    }

    [Fact]
    public void Should_Write_Every_Field_Of_The_Config_Class_Sorted_Without_Trailing_Newline()
    {
        // Given
        var pt = new PeftAdapterConfig { PeftType = PeftAdapterConfig.PromptTuningType };
        var mpt = new PeftAdapterConfig { PeftType = PeftAdapterConfig.MultitaskPromptTuningType };

        // When
        var ptKeys = pt.ToPythonDict().Keys.Order(StringComparer.Ordinal).ToList();
        var mptKeys = mpt.ToPythonDict().Keys.Order(StringComparer.Ordinal).ToList();

        // Then: docs/method.md §5.1: 15 PT keys, MPT adds 4
        Assert.Equal(
            ["auto_mapping", "base_model_name_or_path", "inference_mode", "num_attention_heads", "num_layers",
             "num_transformer_submodules", "num_virtual_tokens", "peft_type", "prompt_tuning_init", "prompt_tuning_init_text",
             "revision", "task_type", "token_dim", "tokenizer_kwargs", "tokenizer_name_or_path"], ptKeys);
        Assert.Equal(
            ptKeys.Concat(["num_ranks", "num_tasks", "prompt_tuning_init_state_dict_path", "prompt_tuning_init_task"]).Order(StringComparer.Ordinal),
            mptKeys);
        Assert.False(pt.ToJson().EndsWith('\n'));
        Assert.StartsWith("{\n  \"auto_mapping\": null,\n  \"base_model_name_or_path\": null,\n  \"inference_mode\": false,", pt.ToJson());
    }

    [Fact]
    public void Should_Escape_Non_Ascii_Text_And_Write_Nested_Kwargs_As_Python()
    {
        // Given
        var config = new PeftAdapterConfig
        {
            PeftType = PeftAdapterConfig.PromptTuningType,
            PromptTuningInit = "TEXT",
            PromptTuningInitText = "Classify: \"café\" ✓",
            TokenizerKwargs = new Dictionary<string, object?> { ["trust_remote_code"] = true, ["scale"] = 0.5, ["b"] = new List<object?>() },
        };

        // When
        string json = config.ToJson();
        var back = PeftAdapterConfig.FromJson(json);

        // Then
        Assert.Contains("\"prompt_tuning_init_text\": \"Classify: \\\"caf\\u00e9\\\" \\u2713\"", json);
        Assert.Contains("\"tokenizer_kwargs\": {\n    \"b\": [],\n    \"scale\": 0.5,\n    \"trust_remote_code\": true\n  }", json);
        Assert.Equal(config.PromptTuningInitText, back.PromptTuningInitText);
        Assert.Equal(json, back.ToJson());
    }

    [Theory]
    [InlineData("""{"peft_type": "LORA", "r": 8}""", "LORA")]
    [InlineData("""{"peft_type": "PREFIX_TUNING"}""", "PREFIX_TUNING")]
    public void Should_Refuse_Non_Prompt_Adapters_Naming_The_Type(string json, string type)
    {
        var e = Assert.Throws<NotSupportedException>(() => PeftAdapterConfig.FromJson(json, "x/adapter_config.json"));
        Assert.Contains($"peft_type '{type}'", e.Message);
        Assert.Contains("x/adapter_config.json", e.Message);
    }

    [Theory]
    [InlineData("""{"task_type": "SEQ_2_SEQ_LM"}""", "'peft_type' is missing")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{"peft_type": "PROMPT_TUNING",""", "not valid JSON")]
    [InlineData("""{"peft_type": "PROMPT_TUNING", "num_virtual_tokens": "5"}""", "'num_virtual_tokens' must be an integer")]
    [InlineData("""{"peft_type": "PROMPT_TUNING", "token_dim": 4.0}""", "'token_dim' must be an integer")]
    [InlineData("""{"peft_type": "PROMPT_TUNING", "inference_mode": 1}""", "'inference_mode' must be true/false")]
    [InlineData("""{"peft_type": "PROMPT_TUNING", "tokenizer_kwargs": []}""", "'tokenizer_kwargs' must be an object")]
    [InlineData("""{"peft_type": "MULTITASK_PROMPT_TUNING", "num_tasks": 1e3}""", "'num_tasks' must be an integer")]
    [InlineData("""{"peft_type": 3}""", "'peft_type' must be a string")]
    public void Should_Name_The_Bad_Field(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => PeftAdapterConfig.FromJson(json, "cfg.json"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("cfg.json", e.Message);
    }

    [Fact]
    public void Should_Describe_An_Encoder_For_A_T5_As_Peft_Does()
    {
        using var scope = torch.NewDisposeScope();
        // Given
        var model = TinyT5Config();
        using var mpt = MultitaskPrompt.Create(torch.randn(3, 16), numTasks: 4, rank: 2);

        // When
        var config = PeftAdapterConfig.ForEncoder(mpt, model);

        // Then
        Assert.Equal(PeftAdapterConfig.MultitaskPromptTuningType, config.PeftType);
        Assert.Equal((3, 16, 4, 2, 1), (config.NumVirtualTokens, config.TokenDim, config.NumTasks, config.NumRanks, config.NumTransformerSubmodules));
        Assert.Equal((model.NumLayers, model.NumHeads), (config.NumLayers, config.NumAttentionHeads));
        Assert.Equal(PeftAdapterConfig.Seq2SeqTaskType, config.TaskType);
    }

    [Fact]
    public void Should_Refuse_To_Describe_A_Prompt_Of_Another_Width()
    {
        using var scope = torch.NewDisposeScope();
        using var prompt = new SoftPrompt(torch.randn(3, 24));
        var e = Assert.Throws<ModelMismatchException>(() => PeftAdapterConfig.ForEncoder(prompt, TinyT5Config()));
        Assert.Contains("trained for another model", e.Message);
        Assert.False(e.Overridable);
    }

    internal static T5Config TinyT5Config() => new()
    {
        VocabSize = 50, DModel = 16, DKv = 4, DFf = 32, NumLayers = 2, NumDecoderLayers = 2, NumHeads = 4,
        DecoderStartTokenId = 0,
    };
}
