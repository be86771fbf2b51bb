using Mpt.Encoder;
using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Encoder;

/// <summary>
/// A model and tokenizer loaded from a Hugging Face BERT folder plug into the encoder prompt path exactly like the
/// embedded MiniLM: the backbone stays frozen and only the prompt learns.
/// </summary>
public sealed class BertFolderPromptTests
{
    [Fact]
    public void Should_Start_The_Vocabulary_Init_At_The_First_Whole_Word()
    {
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer();

        var tokenizer = WordPieceTokenizer.FromHfFolder(folder.Path);

        Assert.Equal(Array.IndexOf(TinyBertFolder.Vocabulary, "the"), tokenizer.FirstWordId);
    }

    [Fact]
    public void Should_Train_Only_The_Prompt_On_A_Bert_Folder_Model()
    {
        // Given: a tiny folder, a two-label task, a 4-row multitask prompt initialised from the folder's vocabulary
        using var scope = NewDisposeScope();
        using var source = TinyBertFolder.RandomModel();
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer().WriteSafetensors(TinyBertFolder.StateDict(source));
        using var loaded = BertFolder.Load(folder.Path);
        var options = new EncoderPromptOptions { VocabularyInitFirstId = loaded.Tokenizer.FirstWordId };
        using var backbone = new EncoderPromptBackbone(loaded.Model, loaded.Tokenizer, [["happy", "dog"]], options);
        using var init = PromptInit.SampledVocabulary(backbone.VocabularyEmbeddings, 4, seed: 3);
        using var prompt = MultitaskPrompt.Create(init, numTasks: 1, rank: 1, TaskVectorInit.Ones, seed: 3);
        var model = backbone.WithPrompt(prompt);
        var examples = new List<TrainingExample>
        {
            EncoderTrainingExamples.Create(loaded.Tokenizer, "the cat sat on the mat", null, 0, 0),
            EncoderTrainingExamples.Create(loaded.Tokenizer, "a dog, unlikely happy!", null, 1, 0),
        };
        var batch = model.CreateCollator(32).Collate(examples);

        // When
        PromptTuningObjective.For(model)(batch).Total.backward();

        // Then
        Assert.All(loaded.Model.parameters(), p => Assert.True(!p.requires_grad && p.grad is null));
        Assert.All(prompt.parameters(), p => Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0));
    }
}
