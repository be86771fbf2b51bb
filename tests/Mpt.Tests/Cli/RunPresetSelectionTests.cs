using Mpt.Cli.Presets;
using Mpt.Pipeline;
using Mpt.Reports;
using Mpt.Tests.Encoder;
using Mpt.Tests.Pipeline;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// Which settings a pipeline verb starts from without <c>--config</c>: the quickstart preset for an encoder (so the
/// issue's acceptance command needs no <c>--set</c>), the paper's recipe for T5, <c>--preset</c> to choose.
/// </summary>
[Collection(MiniLMCollection.Name)] // the embedded model's files are extracted once, by the fixture
public sealed class RunPresetSelectionTests(MiniLMFixture fixture)
{
    [Fact]
    public void Run_On_Minilm_Without_A_Config_Should_Take_The_Quickstart_Preset_And_Give_Flag_Tasks_Its_Caps()
    {
        Assert.True(File.Exists(fixture.Files.ModelPath));
        using var data = new UserTaskFolder();
        string run = Path.Combine(data.Root, "R");
        // The acceptance command, with the steps cut to one per stage so the test runs in seconds.
        var cli = CliRunner.Run("run", "--model", "minilm", "--task-file", data.TaskFile,
            "--source", $"{UserTaskFolder.Polarity}={data.DataDir(UserTaskFolder.Polarity)}",
            "--source", $"{UserTaskFolder.Topic}={data.DataDir(UserTaskFolder.Topic)}",
            "--target", $"{UserTaskFolder.Reviews}={data.DataDir(UserTaskFolder.Reviews)}", "--run-dir", run, "--quiet",
            "--set", "teachers.loop.max_steps=1", "--set", "distill.loop.max_steps=1", "--set", "adapt.loop.max_steps=1", "--set", "adapt.seeds=[1]");
        Assert.True(cli.ExitCode == 0, cli.Error + cli.Output);
        Assert.Single(cli.Output.Split('\n'), l => l.StartsWith("preset quickstart: minilm is an encoder", StringComparison.Ordinal));

        var config = ConfigJson.Load(Path.Combine(run, PipelineRunner.ConfigFile));
        var preset = RunPresets.Load(RunPresets.Quickstart);
        Assert.Equal("quickstart", config.Preset);
        Assert.Equal(10, config.Teachers.PromptLength);
        Assert.Equal(preset.Adapt.Methods, config.Adapt.Methods);
        Assert.Equal((16, true), (config.Adapt.FewShot, config.Adapt.FewShotPerClass));
        Assert.Equal(data.TaskFile, config.TaskFile);
        // Flag tasks replace the preset's and take its train / dev caps; a test set the user names is scored whole.
        Assert.Equal([UserTaskFolder.Polarity, UserTaskFolder.Topic], config.Sources.Select(s => s.Task));
        Assert.All(config.Sources, s => Assert.Equal((640, 64, (int?)null), (s.MaxTrainExamples, s.MaxDevExamples, s.MaxTestExamples)));
        var target = Assert.Single(config.Targets);
        Assert.Equal(((int?)null, 48, (int?)null), (target.MaxTrainExamples, target.MaxDevExamples, target.MaxTestExamples));

        var results = RunResults.Read(Path.Combine(run, PipelineRunner.ResultsFile));
        Assert.Equal(["majority", "mpt", "no-prompt", "pt", "spot"], results.Targets![UserTaskFolder.Reviews].Keys.Order());
        Assert.Equal(10 * 384, results.Targets[UserTaskFolder.Reviews]["pt"].TrainableParams);
    }

    [Fact]
    public void A_T5_Folder_Should_Keep_The_Paper_Recipe_And_Minilm_Or_A_Bert_Folder_Take_The_Quickstart()
    {
        using var ws = new PipelineWorkspace();
        Assert.Equal(RunPresets.Paper, RunPresets.ForModel(ws.ModelDir));
        Assert.Equal(RunPresets.Quickstart, RunPresets.ForModel("minilm"));
        using (var bert = new TinyBertFolder().WriteConfigAndTokenizer())
        {
            using var model = TinyBertFolder.RandomModel(seed: 1);
            bert.WriteSafetensors(TinyBertFolder.StateDict(model));
            Assert.Equal(RunPresets.Quickstart, RunPresets.ForModel(bert.Path));
        }
        Assert.Equal(RunPresets.Paper, RunPresets.ForModel(null));
        Assert.Equal(100, RunPresets.Load(RunPresets.Paper).Teachers.PromptLength);
        Assert.Null(RunPresets.Load(RunPresets.Paper).Preset);
    }

    [Fact]
    public void Preset_And_Config_Together_Should_Be_Refused_In_One_Line()
    {
        using var ws = new PipelineWorkspace();
        var cli = CliRunner.Run("run", "--config", ws.WriteConfig(), "--preset", "quickstart", "--run-dir", ws.PathOf("R"));
        Assert.Equal(1, cli.ExitCode);
        Assert.Contains("--preset quickstart and --config", cli.Error);
        Assert.False(Directory.Exists(ws.PathOf("R")));
    }
}
