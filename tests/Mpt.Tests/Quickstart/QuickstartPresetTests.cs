using Mpt.Cli.Presets;
using Mpt.Pipeline;
using Mpt.Tests.Cli;
using Xunit;

namespace Mpt.Tests.Quickstart;

/// <summary>
/// The quickstart presets: embedded in the CLI as the very files of configs/, in the pipeline schema, carrying the
/// quickstart protocol; config errors of <c>mpt quickstart</c> as the user sees them, before any data or model work.
/// </summary>
public sealed class QuickstartPresetTests
{
    private static string RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mpt.slnx"))) return Path.Combine(dir.FullName, relative);
        throw new InvalidOperationException($"no Mpt.slnx above {AppContext.BaseDirectory}");
    }

    [Theory]
    [InlineData(RunPresets.Quickstart)]
    [InlineData(RunPresets.QuickstartFull)]
    public void The_Embedded_Preset_Should_Be_The_File_In_Configs(string name)
    {
        using var stream = typeof(RunPresets).Assembly.GetManifestResourceStream(RunPresets.ResourceName(name));
        Assert.NotNull(stream);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        Assert.Equal(File.ReadAllBytes(RepositoryFile(Path.Combine("configs", $"{name}.json"))), copy.ToArray());
        Assert.Equal(File.ReadAllText(RepositoryFile(Path.Combine("configs", $"{name}.json"))), RunPresets.Json(name));
    }

    [Fact]
    public void The_Quickstart_Preset_Should_Carry_The_Quickstart_Protocol()
    {
        var c = RunPresets.Load(RunPresets.Quickstart);
        c.Validate();
        Assert.Equal("quickstart", c.Preset);
        Assert.Equal("minilm", c.Model.Path);
        Assert.False(c.AddPrefix); // the encoder reads the text itself, as the sentence embedding was trained on
        Assert.True(c.Reproducible);
        Assert.Equal(["word-polarity", "wn-supersense", "brown-genre", "sotu-era"], c.Sources.Select(s => s.Task));
        Assert.All(c.Sources, s => Assert.Equal((null, 640, 64, (int?)null), (s.Data, s.MaxTrainExamples, s.MaxDevExamples, s.MaxTestExamples)));
        Assert.Equal(["uci-amazon", "uci-yelp", "fortune-topic"], c.Targets.Select(t => t.Task));
        Assert.All(c.Targets, t => Assert.Equal((null, (int?)null, 48, 200), (t.Data, t.MaxTrainExamples, t.MaxDevExamples, t.MaxTestExamples)));
        Assert.Equal((10, 0.3), (c.Teachers.PromptLength, c.Teachers.LearningRate));
        Assert.Equal((10, 0.9), (c.Distill.PromptLength, c.Distill.Lambda));
        Assert.Equal(10, c.Adapt.PromptLength);
        Assert.Equal((40L, 16, 20), (c.Teachers.Loop.MaxSteps, c.Teachers.Loop.BatchSize, c.Teachers.Loop.EvalEverySteps));
        Assert.Equal((60L, 16, 20), (c.Distill.Loop.MaxSteps, c.Distill.Loop.BatchSize, c.Distill.Loop.EvalEverySteps));
        Assert.Equal((20L, 8, 10), (c.Adapt.Loop.MaxSteps, c.Adapt.Loop.BatchSize, c.Adapt.Loop.EvalEverySteps));
        foreach (var loop in new[] { c.Teachers.Loop, c.Distill.Loop, c.Adapt.Loop })
            Assert.Equal((40, false, 5, 20231UL), (loop.MaxSourceLength, loop.BackboneDropout, loop.LogEverySteps, loop.Seed));
        Assert.Equal((16, true), (c.Adapt.FewShot, c.Adapt.FewShotPerClass));
        Assert.Equal([1UL, 2UL, 3UL], c.Adapt.Seeds);
        Assert.Equal((0.3, 0.4), (c.Adapt.SharedLearningRate, c.Adapt.TaskLearningRate));
        Assert.Equal(["majority", "no-prompt", "pt", "spot", "mpt"], c.Adapt.Methods);
        // The protocol the quickstart measured: SPoT from the best teacher on the target's dev set, step 0 can win.
        Assert.Equal(AdaptConfig.SpotRuleBest, c.Adapt.EffectiveSpotRule);
        Assert.True(c.Adapt.SelectsStepZero);
    }

    [Fact]
    public void The_Full_Preset_Should_Run_The_Whole_Benchmark_Longer()
    {
        var quick = RunPresets.Load(RunPresets.Quickstart);
        var full = RunPresets.Load(RunPresets.QuickstartFull);
        full.Validate();
        Assert.Equal("quickstart-full", full.Preset);
        Assert.Equal(6, full.Sources.Count);
        Assert.Equal(6, full.Targets.Count);
        Assert.True(full.Adapt.Seeds.Count > quick.Adapt.Seeds.Count);
        Assert.True(full.Teachers.Loop.MaxSteps > quick.Teachers.Loop.MaxSteps && full.Distill.Loop.MaxSteps > quick.Distill.Loop.MaxSteps);
        Assert.Equal(20, full.Teachers.PromptLength);
        Assert.All(full.Targets, t => Assert.Equal(1000, t.MaxTestExamples));
    }

    [Fact]
    public void Should_Refuse_A_Bad_Config_Or_Override_In_One_Line_Before_Any_Data_Work()
    {
        string dir = Directory.CreateTempSubdirectory("mpt-qs-config-").FullName;
        try
        {
            string data = Path.Combine(dir, "never-built");
            string unknown = Path.Combine(dir, "unknown.json");
            File.WriteAllText(unknown, """{ "teacherz": {} }""");
            var cli = CliRunner.Run("quickstart", "--config", unknown, "--data-dir", data);
            Assert.Equal(1, cli.ExitCode);
            Assert.Contains(unknown, cli.Error);
            Assert.Contains("teacherz", cli.Error);

            cli = CliRunner.Run("quickstart", "--set", "adapt.seedz=[1]", "--data-dir", data);
            Assert.Equal(1, cli.ExitCode);
            Assert.Contains("adapt.seedz", cli.Error);
            Assert.Contains("adapt.seeds", cli.Error); // the closest key

            cli = CliRunner.Run("quickstart", "--set", "adapt.seeds=[1, 1]", "--data-dir", data);
            Assert.Equal(1, cli.ExitCode);
            Assert.Contains("adapt.seeds lists a seed twice", cli.Error);

            cli = CliRunner.Run("quickstart", "--set", """targets=[{"task": "word-polarity"}]""", "--data-dir", data);
            Assert.Equal(1, cli.ExitCode);
            Assert.Contains("'word-polarity' is both a source", cli.Error);
            Assert.False(Directory.Exists(data), "the benchmark must not be built for a config that cannot run");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Should_List_The_Quickstart_Verb_And_Its_Options_In_Help()
    {
        var help = CliRunner.Run("quickstart", "--help");
        Assert.Equal(0, help.ExitCode);
        foreach (string option in new[] { "--full", "--config", "--data-dir", "--cache-dir", "--run-dir", "--rebuild-data", "--no-fortunes", "--threads", "--resume", "--set" })
            Assert.Contains(option, help.Output);
    }
}
