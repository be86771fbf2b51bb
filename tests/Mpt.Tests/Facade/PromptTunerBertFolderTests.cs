using Mpt.Peft;
using Mpt.Tests.Encoder;
using Xunit;

namespace Mpt.Tests.Facade;

/// <summary>
/// The facade on a Hugging Face BERT folder written by the test (loaded by the same loader as <c>mpt run --model DIR</c>):
/// train, save with the folder's fingerprint, reload, refuse the prompt on another folder; and step 0 as a checkpoint
/// candidate.
/// </summary>
public sealed class PromptTunerBertFolderTests
{
    private static readonly PromptTunerOptions Tiny = new()
    {
        PromptLength = 2, Steps = 4, BatchSize = 4, MaxInputLength = 16, Seed = 3,
    };

    private static TinyBertFolder WriteBert(int seed)
    {
        var folder = new TinyBertFolder().WriteConfigAndTokenizer();
        using var model = TinyBertFolder.RandomModel(seed: seed);
        return folder.WriteSafetensors(TinyBertFolder.StateDict(model));
    }

    private static LabelledTask Task() =>
        new("cats", Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? "the cat sat on the mat" : "a dog !", i % 2 == 0 ? "cat" : "dog")).ToList())
        {
            Validation = [("the cat sat", "cat"), ("a dog", "dog")],
            LabelDescriptions = new Dictionary<string, string> { ["cat"] = "the cat", ["dog"] = "a dog" },
        };

    [Fact]
    public void Should_Train_On_A_Bert_Folder_Reload_The_Adapter_And_Refuse_It_On_Another_Folder()
    {
        using var bert = WriteBert(seed: 11);
        using var other = WriteBert(seed: 12);
        string adapter = Path.Combine(bert.Path, "adapter");

        using var tuner = PromptTuner.Open(bert.Path, Tiny);
        using var trained = tuner.TrainPrompt(Task());
        trained.Save(adapter);
        using var loaded = PromptedModel.Load(bert.Path, adapter);

        Assert.Equal(["cat", "dog"], loaded.Labels);
        Assert.True(File.Exists(Path.Combine(adapter, PromptModelFile.FileName)));
        string[] inputs = ["the mat", "a dog sat"];
        var expected = trained.Predict(inputs);
        var actual = loaded.Predict(inputs);
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(1.0, expected[i].Scores.Values.Sum(), 6);
            Assert.Equal(expected[i].Label, actual[i].Label);
            foreach (var (label, p) in expected[i].Scores) Assert.Equal(p, actual[i].Scores[label], 6);
        }
        var error = Assert.Throws<ModelMismatchException>(() => PromptedModel.Load(other.Path, adapter));
        Assert.Contains("weights differ", error.Message);
    }

    [Fact]
    public void Should_Keep_Step_Zero_When_No_Update_Beats_It_On_Few_Shot_Data()
    {
        // A learning rate too small to change any prediction: every dev score ties with step 0's, and ties keep step 0.
        using var bert = WriteBert(seed: 11);
        var still = Tiny with { LearningRate = 1e-12 };
        using var tuner = PromptTuner.Open(bert.Path, still);

        using (var fewShot = tuner.TrainPrompt(Task()))
            Assert.Equal(0, fewShot.Training!.BestStep);
        using (var off = tuner.WithOptions(still with { SelectStepZero = false }))
        using (var withoutStepZero = off.TrainPrompt(Task()))
            Assert.NotEqual(0, withoutStepZero.Training!.BestStep);
    }
}
