using System.Text.Json;
using Mpt.Pipeline;
using Mpt.Reports;
using Mpt.Tests.Encoder;
using Mpt.Tests.Pipeline;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// The new user's flow on a Hugging Face BERT folder instead of <c>minilm</c>: <c>mpt run --model DIR</c> with a task
/// file and JSONL folders, then <c>mpt predict --model DIR</c>; the folder is a tiny random BERT the test writes, so
/// only the flow is checked, not the accuracy.
/// </summary>
public sealed class BertFolderCliTests
{
    private static TinyBertFolder WriteBert(int seed)
    {
        var folder = new TinyBertFolder().WriteConfigAndTokenizer();
        using var model = TinyBertFolder.RandomModel(seed: seed);
        return folder.WriteSafetensors(TinyBertFolder.StateDict(model));
    }

    [Fact]
    public void Should_Run_The_Pipeline_On_A_Bert_Folder_Then_Label_New_Rows_And_Refuse_Its_Prompt_On_Another_Model()
    {
        using var bert = WriteBert(seed: 11);
        using var other = WriteBert(seed: 12);
        using var data = new UserTaskFolder();
        string run = EncoderUserFlow.Run(data, bert.Path, promptLength: 2, maxSourceLength: 16);
        using (var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, PipelineRunner.ResultsFile))))
        {
            var methods = results.RootElement.GetProperty("targets").GetProperty(UserTaskFolder.Reviews);
            foreach (string method in new[] { "mpt", "pt", "spot" })
                Assert.Equal(JsonValueKind.Number, methods.GetProperty(method).GetProperty("mean").ValueKind);
            Assert.Equal(bert.Path, results.RootElement.GetProperty("model").GetProperty("name").GetString());
        }

        string input = EncoderUserFlow.WriteNewRows(data, "the cat sat on the mat", "a dog");
        string adapted = EncoderUserFlow.AdaptedRun(run);
        EncoderUserFlow.PredictShouldScoreEveryLabel(data, bert.Path, adapted, input);
        // evaluate takes the encoder branch for a BERT folder too.
        EncoderUserFlow.EvaluateShouldMatchTheRun(data, bert.Path, adapted, maxSourceLength: 16);

        // The saved PEFT adapter records this folder and its fingerprint: the same architecture with other weights is refused.
        string adapter = Path.Combine(adapted, PipelineRunner.AdapterDir);
        var loaded = Mpt.Peft.PeftAdapter.Load(adapter);
        using (loaded.Encoder)
        {
            Assert.Equal(bert.Path, loaded.Config.BaseModelNameOrPath);
            Assert.Equal("bert", loaded.TrainedFor!.Architecture.ModelType);
        }
        var same = CliRunner.Run("import", adapter, "--out", Path.Combine(data.Root, "same.safetensors"), "--model", bert.Path);
        Assert.True(same.ExitCode == 0, same.Error + same.Output);
        var refused = CliRunner.Run("import", adapter, "--out", Path.Combine(data.Root, "other.safetensors"), "--model", other.Path);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("trained for another model (weights differ)", refused.Error);
        var elsewhere = CliRunner.Run("predict", "--model", other.Path, "--prompt", adapted,
            "--task", UserTaskFolder.Reviews, "--task-file", data.TaskFile, "--input", input, "--no-task-prefix");
        Assert.Equal(1, elsewhere.ExitCode);
        Assert.Contains("trained for another model (weights differ)", elsewhere.Error);
    }
}
