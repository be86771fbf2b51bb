using System.Text.Json.Nodes;
using Mpt.Pipeline;
using Mpt.Tasks;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// Every preset under configs/ parses (no unknown key) and validates for the stage its name starts with
/// (teachers*, distill*, adapt*, pipeline*), names catalogue tasks only, and carries the paper's T5-Base recipe.
/// </summary>
public sealed class ConfigPresetTests
{
    private static string ConfigsDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mpt.slnx"))) return Path.Combine(dir.FullName, "configs");
        throw new DirectoryNotFoundException("repository root (Mpt.slnx) not found above the test binaries.");
    }

    public static TheoryData<string> Presets()
    {
        var data = new TheoryData<string>();
        // quickstart*.json are the encoder presets, not the paper's recipe; they are tested in Mpt.Tests.Quickstart.
        foreach (string f in Directory.GetFiles(ConfigsDir(), "*.json").Order(StringComparer.Ordinal))
            if (!Path.GetFileName(f).StartsWith("quickstart", StringComparison.Ordinal)) data.Add(Path.GetFileName(f));
        return data;
    }

    private static PipelineStages StagesOf(string file) => file.Split('-', '.')[0] switch
    {
        "teachers" => PipelineStages.Teachers,
        "distill" => PipelineStages.Distill,
        "adapt" => PipelineStages.Adapt,
        "pipeline" => PipelineStages.All,
        var other => throw new InvalidOperationException($"configs/{file}: name must start with teachers, distill, adapt or pipeline (got '{other}').")
    };

    [Theory]
    [MemberData(nameof(Presets))]
    public void Preset_Should_Parse_Validate_And_Carry_The_Paper_Recipe(string file)
    {
        string path = Path.Combine(ConfigsDir(), file);
        var config = ConfigJson.Load(path);
        var stages = StagesOf(file);
        config.Validate(stages);
        var catalog = TaskCatalog.CreateDefault();
        foreach (var t in config.Sources.Concat(config.Targets)) Assert.True(catalog.Contains(t.Task!), $"{file}: unknown task {t.Task}");

        // Round trip: the resolved form parses back to the same values.
        Assert.Equal(ConfigJson.Serialize(config), ConfigJson.Serialize(ConfigJson.Parse(ConfigJson.Serialize(config))));

        // docs/method.md §3 (T5-Base): l = 100, lr 0.3, warm-up 500, wd 1e-5, batch 32, max input 256, λ 0.9, target lrs 0.3 / 0.4,
        // epochs: teachers 20, source training 5, targets 20 (10 for large).
        var raw = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        foreach (var (name, loop) in new[] { ("teachers", config.Teachers.Loop), ("distill", config.Distill.Loop), ("adapt", config.Adapt.Loop) })
        {
            if (!raw.ContainsKey(name)) continue;
            Assert.Equal(32, loop.BatchSize);
            Assert.Equal(500, loop.WarmupSteps);
            Assert.Equal(1e-5, loop.WeightDecay);
            Assert.Equal(256, loop.MaxSourceLength);
        }
        if (raw.ContainsKey("teachers"))
        {
            Assert.Equal((100, 0.3, 20.0), (config.Teachers.PromptLength, config.Teachers.LearningRate, config.Teachers.Loop.Epochs!.Value));
        }
        if (raw.ContainsKey("distill"))
        {
            Assert.Equal((100, 0.9, 0.3, 0.3, 5.0), (config.Distill.PromptLength, config.Distill.Lambda, config.Distill.SharedLearningRate,
                config.Distill.TaskLearningRate, config.Distill.Loop.Epochs!.Value));
        }
        if (raw.ContainsKey("adapt"))
        {
            Assert.Equal((0.3, 0.4, 100), (config.Adapt.SharedLearningRate, config.Adapt.TaskLearningRate, config.Adapt.PromptLength));
            Assert.Equal(file.Contains("large", StringComparison.Ordinal) ? 10.0 : 20.0, config.Adapt.Loop.Epochs!.Value);
        }
    }

    [Fact]
    public void Missing_Keys_Should_Take_The_Defaults_And_Overrides_Should_Win()
    {
        var defaults = ConfigJson.Load(null);
        Assert.Equal(0.9, defaults.Distill.Lambda);
        Assert.Null(defaults.Distill.Loop.Epochs); // the stage default (5) applies when the loop options are built
        Assert.Equal(5, defaults.Distill.ToOptions().Loop.Epochs);

        var overridden = ConfigJson.Load(null, [ConfigJson.ParseAssignment("distill.lambda=0.25"), ConfigJson.ParseAssignment("model.path=/m"),
            ConfigJson.ParseAssignment("adapt.seeds=[1,2,3]"), ConfigJson.ParseAssignment("distill.objective=logits_only")]);
        Assert.Equal(0.25, overridden.Distill.Lambda);
        Assert.Equal("/m", overridden.Model.Path);
        Assert.Equal([1UL, 2UL, 3UL], overridden.Adapt.Seeds);
        Assert.Equal(Mpt.Training.DistillationObjective.LogitsOnly, overridden.Distill.Objective);
        Assert.Equal(0.25, overridden.Distill.ToOptions().Lambda);
    }

    [Theory]
    [InlineData("""{"distill": {"lamda": 1}}""", "unknown setting 'distill.lamda'. Did you mean 'distill.lambda'?")]
    [InlineData("""{"sources": [{"task": "rte", "dta": "x"}]}""", "unknown setting 'sources[0].dta'. Did you mean 'sources[0].data'?")]
    [InlineData("""{"adapt": {"loop": {"batch_size": "big"}}}""", "adapt.loop.batch_size")]
    [InlineData("""{"distill": {"objective": "kl_only"}}""", "distill.objective")]
    public void Bad_Keys_And_Values_Should_Be_Named(string json, string message)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigJson.Parse(json));
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("adapt.few_shot=0", "adapt.few_shot must be >= 1")]
    [InlineData("adapt.methods=[\"mpt\",\"ptt\"]", "adapt.methods[1] must be one of majority, mpt, no-prompt, pt, spot")]
    [InlineData("teachers.loop.checkpoint_every_steps=0", "teachers.loop.checkpoint_every_steps must be >= 1")]
    [InlineData("distill.prompt_length=50", "distill.prompt_length (50) must equal teachers.prompt_length (100)")]
    [InlineData("model.dtype=float16", "model.dtype must be one of float32, bfloat16")]
    public void Validation_Should_Name_The_Field(string assignment, string message)
    {
        var config = ConfigJson.Load(null, [ConfigJson.ParseAssignment("model.path=/m"), ConfigJson.ParseAssignment(assignment),
            ConfigJson.ParseAssignment("sources=[{\"task\":\"rte\",\"data\":\"d\"}]"), ConfigJson.ParseAssignment("targets=[{\"task\":\"rte\",\"data\":\"d\"}]")]);
        var e = Assert.Throws<ConfigException>(() => config.Validate());
        Assert.Contains(message, e.Message);
    }
}
