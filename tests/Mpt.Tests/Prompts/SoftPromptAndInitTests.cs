using Mpt.Checkpoints;
using Mpt.Prompts;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Prompts;

public sealed class SoftPromptAndInitTests
{
    [Fact]
    public void Should_Broadcast_The_Same_Prompt_To_Every_Row_And_Accept_Only_Task_0()
    {
        using var scope = torch.NewDisposeScope();
        var p = torch.randn(4, 6);
        using var prompt = new SoftPrompt(p);
        var got = prompt.call(torch.zeros(3, ScalarType.Int64));
        Assert.Equal([3L, 4, 6], got.shape);
        for (int b = 0; b < 3; b++) Assert.True(got[b].equal(p).all().item<bool>());
        Assert.Throws<ArgumentOutOfRangeException>(() => prompt.call(torch.ones(2, ScalarType.Int64)));
        Assert.Equal(1, prompt.NumTasks);
        Assert.Equal([PromptParameterGroupNames.Shared], prompt.ParameterGroups().Select(g => g.Name));
    }

    [Fact]
    public void Should_Sample_Distinct_Vocabulary_Rows_From_The_First_Ids_Reproducibly()
    {
        using var scope = torch.NewDisposeScope();
        // Row i of the embedding matrix holds the value i everywhere, so a prompt row reveals its id.
        var embeddings = torch.arange(100, ScalarType.Float32).unsqueeze(1).expand(100, 3).contiguous();
        var a = PromptInit.SampledVocabulary(embeddings, 10, seed: 5, pool: 20);
        var b = PromptInit.SampledVocabulary(embeddings, 10, seed: 5, pool: 20);
        var c = PromptInit.SampledVocabulary(embeddings, 10, seed: 6, pool: 20);
        var ids = a.select(1, 0).data<float>().ToArray();
        Assert.All(ids, id => Assert.InRange(id, 0, 19));
        Assert.Equal(10, ids.Distinct().Count());
        Assert.True(a.equal(b).all().item<bool>());
        Assert.False(a.equal(c).all().item<bool>());
        Assert.Throws<ArgumentException>(() => PromptInit.SampledVocabulary(embeddings, 21, seed: 1, pool: 20));
    }

    [Fact]
    public void Should_Repeat_Or_Trim_Text_Ids_Like_Peft()
    {
        using var scope = torch.NewDisposeScope();
        var embeddings = torch.arange(50, ScalarType.Float32).unsqueeze(1).expand(50, 2).contiguous();
        var repeated = PromptInit.Text(embeddings, [7, 8, 9], 7).select(1, 0).data<float>().ToArray();
        var trimmed = PromptInit.Text(embeddings, [1, 2, 3, 4, 5], 2).select(1, 0).data<float>().ToArray();
        Assert.Equal([7f, 8, 9, 7, 8, 9, 7], repeated);
        Assert.Equal([1f, 2], trimmed);
        Assert.Throws<ArgumentOutOfRangeException>(() => PromptInit.Text(embeddings, [50], 2));
    }

    [Fact]
    public void Should_Draw_Uniform_Values_In_Range()
    {
        using var scope = torch.NewDisposeScope();
        var u = PromptInit.Uniform(30, 40, seed: 3, range: 0.25);
        Assert.True(u.min().item<float>() >= -0.25f && u.max().item<float>() <= 0.25f);
        Assert.True(u.min().item<float>() < -0.2f && u.max().item<float>() > 0.2f); // 1200 draws span the range
        Assert.True(u.equal(PromptInit.Uniform(30, 40, seed: 3, range: 0.25)).all().item<bool>());
    }

    [Fact]
    public void Should_Read_A_Prompt_From_A_Safetensors_File()
    {
        using var scope = torch.NewDisposeScope();
        var p = torch.randn(3, 5);
        string file = Path.Combine(Path.GetTempPath(), $"mpt-prompt-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsFile.Write(file, new Dictionary<string, Tensor> { [PeftPromptTensorNames.PromptEmbeddings] = p });
            Assert.True(PromptInit.FromSafetensors(file).equal(p).all().item<bool>());
            var e = Assert.Throws<InvalidDataException>(() => PromptInit.FromSafetensors(file, "nope"));
            Assert.Contains(file, e.Message);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Should_Count_Trainable_Parameters_As_The_Closed_Forms_And_The_Paper()
    {
        using var scope = torch.NewDisposeScope();
        const int l = 100, d = 768;
        var shared = torch.zeros(l, d);
        using var pt = new SoftPrompt(shared);
        using var single = MultitaskPrompt.Create(shared, numTasks: 1, rank: 1);
        using var glue = MultitaskPrompt.Create(shared, numTasks: 8, rank: 1);
        using var general = MultitaskPrompt.Create(shared, numTasks: 6, rank: 3);

        Assert.Equal(76_800, pt.TrainableParameterCount());                  // paper: PT 76.8K
        Assert.Equal(77_668, single.TrainableParameterCount());              // paper: MPT 77.6K = l·d + l + d
        Assert.Equal(l * d + (l + d) * 8, glue.TrainableParameterCount());   // τ targets share P*
        Assert.Equal(10_468, PromptParameterCount.PerTargetTask(l, d, 8));   // paper: MPT* 10.5K per task
        Assert.Equal(l * d + 6 * (l + d) * 3, general.TrainableParameterCount());
        Assert.Equal(PromptParameterCount.SoftPrompt(l, d), pt.TrainableParameterCount());
        Assert.Equal(PromptParameterCount.Multitask(l, d, 1), single.TrainableParameterCount());
        Assert.Equal(PromptParameterCount.Multitask(l, d, 6, 3), general.TrainableParameterCount());

        // Frozen parameters do not count (the "update only u, v" ablation).
        single.SharedPrompt.requires_grad = false;
        Assert.Equal(l + d, single.TrainableParameterCount());
    }
}
