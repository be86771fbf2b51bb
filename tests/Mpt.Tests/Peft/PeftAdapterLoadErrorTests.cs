using Mpt.Checkpoints;
using Mpt.Peft;
using Mpt.Prompts;
using Mpt.Tests.Prompts;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Peft;

/// <summary>Every refusal of <see cref="PeftAdapter"/> says what is wrong and where.</summary>
public sealed class PeftAdapterLoadErrorTests
{
    /// <summary>The first multitask golden case (discovered, not named), used as a well-formed adapter to break.</summary>
    private static string MultitaskCaseFolder() => PeftGoldenCases.Folder(PeftGoldenCases.Where(g =>
        g.GetProperty("adapter").GetProperty("peft_type").GetString() == PeftAdapterConfig.MultitaskPromptTuningType
        && g.GetProperty("adapter").GetProperty("num_tasks").GetInt32() > 1
        && g.GetProperty("adapter").GetProperty("num_ranks").GetInt32() > 1)[0]);

    private static void RewriteConfig(string folder, Func<PeftAdapterConfig, PeftAdapterConfig> edit)
    {
        string path = Path.Combine(folder, PeftAdapter.ConfigFileName);
        File.WriteAllText(path, edit(PeftAdapterConfig.FromJsonFile(path)).ToJson());
    }

    [Fact]
    public void Should_Name_A_Missing_Folder()
    {
        using var temp = new TempFolder();
        string folder = temp.Combine("nope");
        var e = Assert.Throws<DirectoryNotFoundException>(() => PeftAdapter.Load(folder));
        Assert.Contains(folder, e.Message);
    }

    [Fact]
    public void Should_Name_A_Missing_Config_File()
    {
        using var temp = new TempFolder();
        var e = Assert.Throws<FileNotFoundException>(() => PeftAdapter.Load(temp.Path));
        Assert.Contains("adapter_config.json is missing", e.Message);
    }

    [Fact]
    public void Should_Name_Both_Weight_Files_When_Weights_Are_Missing()
    {
        using var temp = new TempFolder();
        string folder = temp.CopyOf(MultitaskCaseFolder(), "a");
        File.Delete(Path.Combine(folder, PeftAdapter.WeightsFileName));
        var e = Assert.Throws<FileNotFoundException>(() => PeftAdapter.Load(folder));
        Assert.Contains("adapter_model.safetensors", e.Message);
        Assert.Contains("adapter_model.bin", e.Message);
    }

    [Fact]
    public void Should_Read_Weights_Saved_Without_Safetensors()
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempFolder();
        // Given: the same adapter saved with PEFT's safe_serialization=False (adapter_model.bin)
        string folder = temp.CopyOf(MultitaskCaseFolder(), "a");
        string safetensors = Path.Combine(folder, PeftAdapter.WeightsFileName);
        var tensors = SafetensorsFile.Read(safetensors);
        PyTorchCheckpointFile.Write(Path.Combine(folder, PeftAdapter.PickleWeightsFileName), tensors);
        File.Delete(safetensors);

        // When
        var loaded = PeftAdapter.Load(folder);
        using var encoder = loaded.Encoder;

        // Then
        var got = encoder.PeftTensors();
        foreach (var (name, want) in tensors)
            Assert.True(want.equal(got[name]).all().item<bool>(), name);
    }

    [Fact]
    public void Should_Refuse_A_Lora_Adapter_Naming_Its_Type()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.Combine(PeftAdapter.ConfigFileName), """{"peft_type": "LORA", "r": 8, "target_modules": ["q", "v"]}""");
        var e = Assert.Throws<NotSupportedException>(() => PeftAdapter.Load(temp.Path));
        Assert.Contains("'LORA'", e.Message);
        Assert.Contains(PeftAdapter.ConfigFileName, e.Message);
    }

    [Theory]
    [InlineData("num_virtual_tokens")]
    [InlineData("token_dim")]
    public void Should_Name_A_Missing_Shape_Key(string key)
    {
        using var temp = new TempFolder();
        string folder = temp.CopyOf(MultitaskCaseFolder(), "a");
        RewriteConfig(folder, c => key == "token_dim" ? c with { TokenDim = null } : c with { NumVirtualTokens = null });
        var e = Assert.Throws<InvalidDataException>(() => PeftAdapter.Load(folder));
        Assert.Contains($"key '{key}' is missing", e.Message);
    }

    [Theory]
    [InlineData("num_virtual_tokens")]
    [InlineData("token_dim")]
    [InlineData("num_tasks")]
    [InlineData("num_ranks")]
    public void Should_Refuse_Tensors_That_Do_Not_Match_The_Config_Naming_The_Field(string key)
    {
        using var temp = new TempFolder();
        // Given: a PEFT adapter whose config disagrees with its tensors in one field
        string folder = temp.CopyOf(MultitaskCaseFolder(), "a");
        RewriteConfig(folder, c => key switch
        {
            "num_virtual_tokens" => c with { NumVirtualTokens = c.NumVirtualTokens + 1 },
            "token_dim" => c with { TokenDim = c.TokenDim + 1 },
            "num_tasks" => c with { NumTasks = c.NumTasks + 1 },
            _ => c with { NumRanks = c.NumRanks + 1 },
        });

        // When
        var e = Assert.Throws<InvalidDataException>(() => PeftAdapter.Load(folder));

        // Then
        Assert.Contains(key, e.Message);
        Assert.Contains("implies", e.Message);
        Assert.Contains(PeftAdapter.WeightsFileName, e.Message);
    }

    [Fact]
    public void Should_Refuse_Missing_And_Unexpected_Tensors()
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempFolder();
        // Given: a multitask config over a file that only has a prompt and a stray tensor
        string folder = temp.CopyOf(MultitaskCaseFolder(), "a");
        string weights = Path.Combine(folder, PeftAdapter.WeightsFileName);
        var tensors = SafetensorsFile.Read(weights);
        SafetensorsFile.Write(weights, new Dictionary<string, Tensor>
        {
            [PeftPromptTensorNames.PromptEmbeddings] = tensors[PeftPromptTensorNames.PromptEmbeddings],
            ["base_model.stray"] = torch.zeros(2),
        });

        // When
        var e = Assert.Throws<InvalidDataException>(() => PeftAdapter.Load(folder));

        // Then
        Assert.Contains("missing [prefix_task_cols, prefix_task_rows]", e.Message);
        Assert.Contains("unexpected [base_model.stray]", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Should_Refuse_Decoder_Prompts_Unless_The_Encoder_Half_Is_Asked_For(bool multitask)
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempFolder();
        // Given: an adapter as PEFT's seq2seq default writes it, 2 × l prompt rows (encoder half first)
        const int l = 3, d = 16, tasks = 2, rank = 2;
        var rows = torch.randn(2 * l, d);
        var config = new PeftAdapterConfig
        {
            PeftType = multitask ? PeftAdapterConfig.MultitaskPromptTuningType : PeftAdapterConfig.PromptTuningType,
            TaskType = PeftAdapterConfig.Seq2SeqTaskType, NumVirtualTokens = l, TokenDim = d, NumTransformerSubmodules = 2,
            NumTasks = tasks, NumRanks = rank, InferenceMode = true,
        };
        var tensors = new Dictionary<string, Tensor> { [PeftPromptTensorNames.PromptEmbeddings] = rows };
        var cols = torch.randn(tasks, 2 * l, rank);
        if (multitask)
        {
            tensors[PeftPromptTensorNames.PrefixTaskCols] = cols;
            tensors[PeftPromptTensorNames.PrefixTaskRows] = torch.randn(tasks, rank, d);
        }
        File.WriteAllText(temp.Combine(PeftAdapter.ConfigFileName), config.ToJson());
        SafetensorsFile.Write(temp.Combine(PeftAdapter.WeightsFileName), tensors);

        // When / Then: refused by default, with the reason
        var e = Assert.Throws<NotSupportedException>(() => PeftAdapter.Load(temp.Path));
        Assert.Contains("num_transformer_submodules is 2", e.Message);
        Assert.Contains("decoder", e.Message);
        Assert.Contains(nameof(PeftLoadOptions.UseEncoderHalfOfDecoderPrompts), e.Message);

        // When / Then: the encoder half on request
        var loaded = PeftAdapter.Load(temp.Path, new PeftLoadOptions { UseEncoderHalfOfDecoderPrompts = true });
        using var encoder = loaded.Encoder;
        Assert.Equal(1, loaded.Config.NumTransformerSubmodules);
        Assert.Equal(l, encoder.NumVirtualTokens);
        var got = encoder.PeftTensors();
        Assert.True(got[PeftPromptTensorNames.PromptEmbeddings].equal(rows.narrow(0, 0, l)).all().item<bool>());
        if (multitask)
            Assert.True(got[PeftPromptTensorNames.PrefixTaskCols].equal(cols.narrow(1, 0, l)).all().item<bool>());
    }

    [Fact]
    public void Should_Refuse_To_Save_With_A_Config_That_Does_Not_Describe_The_Prompt()
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempFolder();
        using var mpt = MultitaskPrompt.Create(torch.randn(3, 16), numTasks: 2, rank: 1);
        var good = PeftAdapterConfig.ForEncoder(mpt, PeftAdapterConfigTests.TinyT5Config());

        foreach (var (bad, key) in new[]
                 {
                     (good with { PeftType = PeftAdapterConfig.PromptTuningType }, "peft_type"),
                     (good with { NumVirtualTokens = 4 }, "num_virtual_tokens"),
                     (good with { TokenDim = 8 }, "token_dim"),
                     (good with { NumTransformerSubmodules = 2 }, "num_transformer_submodules"),
                     (good with { NumTasks = 3 }, "num_tasks"),
                     (good with { NumRanks = 2 }, "num_ranks"),
                 })
        {
            var e = Assert.Throws<ArgumentException>(() => PeftAdapter.Save(temp.Path, bad, mpt));
            Assert.Contains(key, e.Message);
        }
        Assert.Empty(Directory.GetFiles(temp.Path));
    }
}
