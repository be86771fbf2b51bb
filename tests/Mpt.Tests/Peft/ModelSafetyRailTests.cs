using Mpt.Model;
using Mpt.Peft;
using Mpt.Prompts;
using Mpt.Tests.Infrastructure;
using Mpt.Tests.Prompts;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Peft;

/// <summary>
/// The safety rails: a prompt records the model it was trained for (<c>mpt_model.json</c>, <see cref="ModelFingerprint"/>)
/// and loading it onto another model is refused with both models named, unless an expert overrides.
/// </summary>
public sealed class ModelSafetyRailTests
{
    private static IReadOnlyList<string> Models()
    {
        var names = GoldenRoot.ModelNames();
        Assert.True(names.Count >= 2, "the safety-rail tests need at least two golden models");
        return names;
    }

    private static T5ForConditionalGeneration LoadModel(string name, ScalarType dtype = ScalarType.Float32) =>
        T5ForConditionalGeneration.FromPretrained(GoldenRoot.Combine("models", name), dtype);

    /// <summary>The model with one embedding value changed: same architecture, other weights (a "fine-tuned" copy).</summary>
    private static T5ForConditionalGeneration Perturbed(string name)
    {
        var model = LoadModel(name);
        using var noGrad = torch.no_grad();
        model.SharedWeight[0, 0] = model.SharedWeight[0, 0] + 0.5;
        return model;
    }

    private static MultitaskPrompt PromptFor(T5ForConditionalGeneration model) =>
        MultitaskPrompt.Create(torch.randn(4, model.Config.DModel, generator: new torch.Generator(7)), numTasks: 3, rank: 2);

    [Fact]
    public void Should_Compute_A_Deterministic_Fingerprint_That_Separates_Models_And_Weights()
    {
        using var scope = torch.NewDisposeScope();
        var names = Models();
        // Given
        using var a1 = LoadModel(names[0]);
        using var a2 = LoadModel(names[0]);
        using var other = LoadModel(names[1]);
        using var tuned = Perturbed(names[0]);

        // When
        var f1 = ModelFingerprint.Compute(a1);
        var f2 = ModelFingerprint.Compute(a2);

        // Then
        Assert.Equal(f1, f2);
        Assert.Equal(64, f1.WeightsSha256.Length);
        Assert.Equal(ModelFingerprint.CurrentMethod, f1.Method);
        Assert.Equal(ModelArchitecture.From(a1.Config), f1.Architecture);
        Assert.NotEqual(f1.WeightsSha256, ModelFingerprint.Compute(other).WeightsSha256);
        var t = ModelFingerprint.Compute(tuned);
        Assert.Equal(f1.Architecture, t.Architecture);
        Assert.NotEqual(f1.WeightsSha256, t.WeightsSha256);
    }

    [Fact]
    public void Should_Give_A_Bfloat16_Copy_The_Same_Fingerprint()
    {
        using var scope = torch.NewDisposeScope();
        string name = Models()[0];
        using var fp32 = LoadModel(name);
        using var bf16 = LoadModel(name, ScalarType.BFloat16);
        Assert.Equal(ModelFingerprint.Compute(fp32), ModelFingerprint.Compute(bf16));
    }

    [Fact]
    public void Should_Record_The_Model_In_A_Sidecar_And_Keep_Peft_Files_Identical()
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempFolder();
        // Given
        using var model = LoadModel(Models()[0]);
        using var prompt = PromptFor(model);

        // When
        var config = PeftAdapter.Save(temp.Combine("with"), prompt, model, baseModelNameOrPath: "models/x");
        PeftAdapter.Save(temp.Combine("peft"), config, prompt);

        // Then
        Assert.Equal([PeftAdapter.ConfigFileName, PeftAdapter.WeightsFileName, PromptModelFile.FileName],
            Directory.GetFiles(temp.Combine("with")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(ModelFingerprint.Compute(model), PromptModelFile.Read(temp.Combine("with")));
        foreach (string file in new[] { PeftAdapter.ConfigFileName, PeftAdapter.WeightsFileName })
            Assert.Equal(File.ReadAllBytes(temp.Combine("peft", file)), File.ReadAllBytes(temp.Combine("with", file)));
        var loaded = PeftAdapter.Load(temp.Combine("with"), model);
        using var encoder = loaded.Encoder;
        Assert.Equal(ModelFingerprint.Compute(model), loaded.TrainedFor);
    }

    [Fact]
    public void Should_Record_The_Model_Of_An_Exported_Task()
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempFolder();
        // Given
        using var model = LoadModel(Models()[0]);
        using var prompt = PromptFor(model);

        // When
        PeftAdapter.SaveTaskAsPromptTuning(temp.Path, prompt, 2, model);
        var loaded = PeftAdapter.Load(temp.Path, model);
        using var single = Assert.IsType<SoftPrompt>(loaded.Encoder);

        // Then
        Assert.Equal(ModelFingerprint.Compute(model), loaded.TrainedFor);
        using var composed = prompt.ComposedPrompt(2);
        Assert.True(composed.equal(single.Prompt).all().item<bool>());
    }

    [Fact]
    public void Should_Remove_A_Stale_Sidecar_When_Saving_Without_A_Model()
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempFolder();
        using var model = LoadModel(Models()[0]);
        using var prompt = PromptFor(model);
        var config = PeftAdapter.Save(temp.Path, prompt, model);

        PeftAdapter.Save(temp.Path, config, prompt);

        Assert.False(File.Exists(temp.Combine(PromptModelFile.FileName)));
    }

    [Fact]
    public void Should_Refuse_A_Prompt_For_Other_Weights_Naming_Both_Fingerprints_Unless_Overridden()
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempFolder();
        // Given: a prompt trained for one model, and a model with the same architecture but other weights
        string name = Models()[0];
        using var model = LoadModel(name);
        using var tuned = Perturbed(name);
        using var prompt = PromptFor(model);
        PeftAdapter.Save(temp.Path, prompt, model);
        var trainedFor = ModelFingerprint.Compute(model);
        var other = ModelFingerprint.Compute(tuned);

        // When
        var e = Assert.Throws<ModelMismatchException>(() => PeftAdapter.Load(temp.Path, tuned));

        // Then
        Assert.True(e.Overridable);
        Assert.Contains("trained for another model (weights differ)", e.Message);
        Assert.Contains(trainedFor.WeightsSha256, e.Message);
        Assert.Contains(other.WeightsSha256, e.Message);
        Assert.Contains(trainedFor.Architecture.ToString(), e.Message);
        Assert.Contains(nameof(PeftLoadOptions.AllowModelMismatch), e.Message);

        // When / Then: the expert override loads it
        var loaded = PeftAdapter.Load(temp.Path, tuned, new PeftLoadOptions { AllowModelMismatch = true });
        using var encoder = loaded.Encoder;
        Assert.Equal(trainedFor, loaded.TrainedFor);
    }

    [Fact]
    public void Should_Refuse_A_Recorded_Architecture_That_Differs_Unless_Overridden()
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempFolder();
        // Given: a sidecar recording another architecture of the same width (e.g. the untied variant)
        using var model = LoadModel(Models()[0]);
        using var prompt = PromptFor(model);
        var actual = ModelFingerprint.Compute(model);
        var recorded = actual with { Architecture = actual.Architecture with { TieWordEmbeddings = !actual.Architecture.TieWordEmbeddings } };
        PeftAdapter.Save(temp.Path, PeftAdapterConfig.ForEncoder(prompt, model.Config), prompt, recorded);

        // When / Then
        var e = Assert.Throws<ModelMismatchException>(() => PeftAdapter.Load(temp.Path, actual));
        Assert.Contains("architecture differ", e.Message);
        Assert.Contains(recorded.Architecture.ToString(), e.Message);
        Assert.Contains(actual.Architecture.ToString(), e.Message);
        using var encoder = PeftAdapter.Load(temp.Path, actual, new PeftLoadOptions { AllowModelMismatch = true }).Encoder;
    }

    [Fact]
    public void Should_Refuse_Another_Width_Even_With_The_Override()
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempFolder();
        // Given: a prompt for one model and a model of another d_model
        var names = Models();
        using var model = LoadModel(names[0]);
        using var prompt = PromptFor(model);
        PeftAdapter.Save(temp.Path, prompt, model);
        var other = names.Skip(1).Select(n => LoadModel(n)).First(m => m.Config.DModel != model.Config.DModel);

        // When / Then
        foreach (bool allow in new[] { false, true })
        {
            var e = Assert.Throws<ModelMismatchException>(() => PeftAdapter.Load(temp.Path, other, new PeftLoadOptions { AllowModelMismatch = allow }));
            Assert.False(e.Overridable);
            Assert.Contains("trained for another model", e.Message);
            Assert.Contains($"d_model {other.Config.DModel}", e.Message);
        }
        other.Dispose();
    }

    [Fact]
    public void Should_Check_Peft_Written_Adapters_Against_Their_Width_And_The_Fields_Peft_Copies_From_The_Model()
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempFolder();
        // Given: every golden PEFT adapter (no sidecar) fits its own base model
        foreach (string id in PeftGoldenCases.All())
        {
            var golden = PeftGoldenCases.Golden(id);
            // "model" is "models/<name>", relative to the golden root (docs/testing.md §2.5)
            using var model = T5ForConditionalGeneration.FromPretrained(GoldenRoot.Combine(golden.GetProperty("model").GetString()!));
            var fingerprint = ModelFingerprint.Compute(model);
            using (PeftAdapter.Load(PeftGoldenCases.Folder(id), fingerprint).Encoder) { }

            // When: the config says the adapter was made for a deeper model
            string folder = temp.CopyOf(PeftGoldenCases.Folder(id), id.Replace('/', '_'));
            string configPath = Path.Combine(folder, PeftAdapter.ConfigFileName);
            var config = PeftAdapterConfig.FromJsonFile(configPath);
            File.WriteAllText(configPath, (config with { NumLayers = config.NumLayers + 10 }).ToJson());

            // Then
            var e = Assert.Throws<ModelMismatchException>(() => PeftAdapter.Load(folder, fingerprint));
            Assert.Contains($"num_layers {config.NumLayers + 10} vs {model.Config.NumLayers}", e.Message);
            Assert.Contains(config.BaseModelNameOrPath!, e.Message);
            using (PeftAdapter.Load(folder, fingerprint, new PeftLoadOptions { AllowModelMismatch = true }).Encoder) { }

            // And: onto a golden model of another width, the PEFT adapter is refused even with the override
            string otherName = Models().First(n => T5Config.FromJsonFile(GoldenRoot.Combine("models", n, "config.json")).DModel != model.Config.DModel);
            using var other = LoadModel(otherName);
            var wide = Assert.Throws<ModelMismatchException>(() =>
                PeftAdapter.Load(PeftGoldenCases.Folder(id), other, new PeftLoadOptions { AllowModelMismatch = true }));
            Assert.Contains($"token_dim is {model.Config.DModel} but this model has d_model {other.Config.DModel}", wide.Message);
            Assert.Contains("trained for another model", wide.Message);
        }
    }

    [Theory]
    [InlineData("""{"format": "other"}""", "unknown format")]
    [InlineData("""{"format": "mpt-model-v1"}""", "'architecture' must be an object")]
    [InlineData("""{"format": "mpt-model-v1", "architecture": {"d_model": 8}}""", "'num_layers' is missing")]
    [InlineData("""{"format": "mpt-model-v1", "architecture": {"d_model": 8, "num_layers": 1, "num_decoder_layers": 1, "num_heads": 1, "d_kv": 8, "d_ff": 8, "vocab_size": 9, "feed_forward_proj": "relu", "tie_word_embeddings": "yes"}}""", "'tie_word_embeddings' is missing or not a boolean")]
    [InlineData("""{"format": "mpt-model-v1", """, "not valid JSON")]
    public void Should_Name_The_Problem_In_A_Malformed_Sidecar(string json, string expected)
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.Combine(PromptModelFile.FileName), json);
        var e = Assert.Throws<InvalidDataException>(() => PromptModelFile.Read(temp.Path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(PromptModelFile.FileName, e.Message);
    }
}
