using System.Text.Json;
using Mpt.Checkpoints;
using Mpt.Peft;
using Mpt.Prompts;
using Mpt.Tests.Infrastructure;
using Mpt.Tests.Prompts;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Peft;

/// <summary>
/// <see cref="PeftAdapter"/> against adapters written by PEFT itself (docs/testing.md §2.5), over every
/// folder <c>peft/&lt;model&gt;/&lt;case&gt;</c> under the golden root: load, write back byte-identically, round trip,
/// and export of an MPT task as a plain prompt-tuning adapter.
/// </summary>
public sealed class PeftAdapterGoldenTests
{
    // docs/testing.md §2.9: composed prompts and adapter tensors 1e-6 relative.
    private const double TensorRel = 1e-6;

    /// <summary>golden.json `adapter` keys that describe the case rather than a config field.</summary>
    private static readonly HashSet<string> CaseKeys = ["folder", "source_adapter"];

    public static TheoryData<string> AllCases() => PeftGoldenCases.AsTheoryData(PeftGoldenCases.All());

    public static TheoryData<string> MultitaskCases() => PeftGoldenCases.AsTheoryData(
        PeftGoldenCases.Where(g => g.GetProperty("adapter").GetProperty("peft_type").GetString() == PeftAdapterConfig.MultitaskPromptTuningType));

    [Fact]
    public void Should_Find_Golden_Adapters_Of_Both_Types()
    {
        Assert.NotEmpty(MultitaskCases());
        Assert.True(AllCases().Count > MultitaskCases().Count, "expected PROMPT_TUNING cases too");
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Should_Load_Peft_Adapter_With_Golden_Config_And_Tensors(string id)
    {
        using var scope = torch.NewDisposeScope();
        // Given
        var golden = PeftGoldenCases.Golden(id);

        // When
        var loaded = PeftAdapter.Load(PeftGoldenCases.Folder(id));
        using var encoder = loaded.Encoder;

        // Then: every config value golden.json lists, compared as the JSON PEFT would write
        using var ours = JsonDocument.Parse(loaded.Config.ToJson());
        foreach (var field in golden.GetProperty("adapter").EnumerateObject().Where(f => !CaseKeys.Contains(f.Name)))
        {
            Assert.True(ours.RootElement.TryGetProperty(field.Name, out var value), $"{id}: config lacks '{field.Name}'");
            Assert.Equal(field.Value.GetRawText(), value.GetRawText());
        }
        if (golden.GetProperty("adapter").TryGetProperty("source_adapter", out var sourceAdapter))
            Assert.Equal($"{sourceAdapter.GetString()}/{PeftAdapter.WeightsFileName}", loaded.Config.PromptTuningInitStateDictPath);
        Assert.Equal(loaded.Config.IsMultitask ? typeof(MultitaskPrompt) : typeof(SoftPrompt), encoder.GetType());
        Assert.Null(loaded.TrainedFor); // PEFT writes no mpt_model.json

        var tensors = encoder.PeftTensors();
        var goldenTensors = golden.GetProperty("tensors").EnumerateObject().ToList();
        Assert.Equal(goldenTensors.Select(p => p.Name).Order(StringComparer.Ordinal), tensors.Keys.Order(StringComparer.Ordinal));
        foreach (var p in goldenTensors)
            GoldenTensor.AssertClose(GoldenTensor.ToTensor(p.Value), tensors[p.Name], 0, TensorRel, $"{id} tensors.{p.Name}");
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Should_Write_Loaded_Adapter_Back_Byte_Identical_To_Peft(string id)
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempFolder();
        // Given
        string folder = PeftGoldenCases.Folder(id);
        var loaded = PeftAdapter.Load(folder);
        using var encoder = loaded.Encoder;

        // When: no model recorded → exactly PEFT's two files
        PeftAdapter.Save(temp.Path, loaded.Config, encoder);

        // Then
        Assert.Equal([PeftAdapter.ConfigFileName, PeftAdapter.WeightsFileName],
            Directory.GetFiles(temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (string file in new[] { PeftAdapter.ConfigFileName, PeftAdapter.WeightsFileName })
        {
            byte[] want = File.ReadAllBytes(Path.Combine(folder, file));
            byte[] got = File.ReadAllBytes(Path.Combine(temp.Path, file));
            Assert.True(want.AsSpan().SequenceEqual(got),
                $"{id}/{file}: {got.Length} bytes differ from PEFT's {want.Length} (first difference at {FirstDifference(want, got)})");
        }
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Should_Round_Trip_Own_Save_With_Identical_Tensors_And_Config(string id)
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempFolder();
        // Given: a config built by Mpt (not read from PEFT) with a descriptive field set
        var original = PeftAdapter.Load(PeftGoldenCases.Folder(id));
        using var encoder = original.Encoder;
        var config = original.Config with { BaseModelNameOrPath = "somewhere/é-model", InferenceMode = false };

        // When
        var written = PeftAdapter.Save(temp.Path, config, encoder);
        var back = PeftAdapter.Load(temp.Path);
        using var backEncoder = back.Encoder;

        // Then
        Assert.True(written.InferenceMode); // forced, as PEFT's save_pretrained does
        Assert.Equal(written.ToJson(), back.Config.ToJson());
        Assert.Equal(File.ReadAllText(Path.Combine(temp.Path, PeftAdapter.ConfigFileName)), back.Config.ToJson());
        var want = encoder.PeftTensors();
        var got = backEncoder.PeftTensors();
        Assert.Equal(want.Keys.Order(StringComparer.Ordinal), got.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in want)
            Assert.True(tensor.equal(got[name]).all().item<bool>(), $"{id}: {name} changed in the round trip");
    }

    [Theory]
    [MemberData(nameof(MultitaskCases))]
    public void Should_Export_Every_Task_As_Prompt_Tuning_Adapter_Equal_To_Its_Composed_Prompt(string id)
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempFolder();
        // Given
        var golden = PeftGoldenCases.Golden(id);
        var loaded = PeftAdapter.Load(PeftGoldenCases.Folder(id));
        using var mpt = Assert.IsType<MultitaskPrompt>(loaded.Encoder);
        // "model" is "models/<name>", relative to the golden root (docs/testing.md §2.5)
        var modelConfig = Mpt.Model.T5Config.FromJsonFile(GoldenRoot.Combine(golden.GetProperty("model").GetString()!, "config.json"));
        var composedGolden = GoldenTensor.ToTensor(golden, "composed_prompts");

        for (int task = 0; task < mpt.NumTasks; task++)
        {
            string folder = temp.Combine($"task{task}");
            // When
            var written = PeftAdapter.SaveTaskAsPromptTuning(folder, mpt, task, modelConfig, baseModelNameOrPath: loaded.Config.BaseModelNameOrPath);
            var back = PeftAdapter.Load(folder);
            using var single = Assert.IsType<SoftPrompt>(back.Encoder);

            // Then: P̂_k as one l × d matrix, bit-equal to ComposedPrompt(k) and close to PEFT's composed prompt; the
            // (scale-relative) 1e-6 bound is explained in PeftGoldenPromptTests.AssertComposedClose
            Assert.Equal(PeftAdapterConfig.PromptTuningType, written.PeftType);
            Assert.Equal((loaded.Config.NumVirtualTokens, loaded.Config.TokenDim, loaded.Config.NumLayers, loaded.Config.NumAttentionHeads),
                (back.Config.NumVirtualTokens, back.Config.TokenDim, back.Config.NumLayers, back.Config.NumAttentionHeads));
            using var composed = mpt.ComposedPrompt(task);
            Assert.True(composed.equal(single.Prompt).all().item<bool>(), $"{id}: exported task {task} != ComposedPrompt({task})");
            using var want = composedGolden[task];
            double scale = want.abs().max().item<float>();
            GoldenTensor.AssertClose(want, single.Prompt, TensorRel * scale, TensorRel, $"{id} exported task {task}");
            Assert.Equal([PeftAdapter.ConfigFileName, PeftAdapter.WeightsFileName],
                Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
    }

    private static int FirstDifference(byte[] a, byte[] b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++) if (a[i] != b[i]) return i;
        return n;
    }
}
