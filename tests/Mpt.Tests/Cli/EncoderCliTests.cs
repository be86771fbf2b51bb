using System.Text.Json;
using Mpt.Pipeline;
using Mpt.Reports;
using Mpt.Tests.Encoder;
using Mpt.Tests.Pipeline;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// What a new user types: <c>mpt run --model minilm</c> with a task file and their own JSONL folders, then
/// <c>mpt predict --model minilm</c> on new rows, which prints the label and every label's score.
/// </summary>
[Collection(MiniLMCollection.Name)] // the embedded model's files are extracted once, by the fixture
public sealed class EncoderCliTests(MiniLMFixture fixture)
{
    [Fact]
    public void Should_Run_The_Pipeline_With_Minilm_On_User_Tasks_Then_Label_New_Rows_With_Scores()
    {
        Assert.True(File.Exists(fixture.Files.ModelPath));
        using var data = new UserTaskFolder();
        string run = EncoderUserFlow.Run(data, "minilm", promptLength: 4, maxSourceLength: 24);
        var results = RunResults.Read(Path.Combine(run, PipelineRunner.ResultsFile));
        Assert.Equal(["mpt", "pt", "spot"], results.Targets![UserTaskFolder.Reviews].Keys.Order());

        string input = EncoderUserFlow.WriteNewRows(data, "Lovely and sturdy, I use it every day.", "Broken on arrival.");
        string adapted = EncoderUserFlow.AdaptedRun(run);
        EncoderUserFlow.PredictShouldScoreEveryLabel(data, "minilm", adapted, input);
        EncoderUserFlow.EvaluateShouldMatchTheRun(data, "minilm", adapted, maxSourceLength: 24);

        // export: a PEFT adapter for the encoder, one task compressed, recording the model.
        string exported = Path.Combine(data.Root, "peft");
        var export = CliRunner.Run("export", "--model", "minilm", "--prompt", adapted, "--out", exported, "--task-id", "0");
        Assert.True(export.ExitCode == 0, export.Error + export.Output);
        var loaded = Mpt.Peft.PeftAdapter.Load(exported);
        using (loaded.Encoder)
        {
            Assert.Equal(Mpt.Peft.PeftAdapterConfig.PromptTuningType, loaded.Config.PeftType);
            Assert.Equal(Mpt.Backbones.RunBackbones.MiniLMName, loaded.Config.BaseModelNameOrPath);
            Assert.Equal("bert", loaded.TrainedFor!.Architecture.ModelType);
        }

        // import: the adapter checked against the encoder it records, into a prompt file.
        var imported = CliRunner.Run("import", exported, "--out", Path.Combine(data.Root, "imported.safetensors"), "--model", "minilm");
        Assert.True(imported.ExitCode == 0, imported.Error + imported.Output);
        Assert.Contains("recorded for bert d_model=384", imported.Output);
    }

    [Fact]
    public void Should_Refuse_Predict_On_The_Encoder_Without_A_Task_In_One_Line()
    {
        using var data = new UserTaskFolder();
        string input = Path.Combine(data.Root, "new.txt");
        File.WriteAllText(input, "some text\n");

        var result = CliRunner.Run("predict", "--model", "minilm", "--input", input);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--task", result.Error);
    }
}
