using Mpt.Model;
using Mpt.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Model;

/// <summary>Train/eval behaviour, argument checks and generation edge cases of <see cref="T5ForConditionalGeneration"/>.</summary>
public sealed class T5UsageTests
{
    private static T5GoldenModel First() => T5GoldenModel.Load(GoldenRoot.ModelNames()[0]);

    [Fact]
    public void Should_Apply_Dropout_Only_In_Train_Mode()
    {
        using var scope = torch.NewDisposeScope();
        using var g = First();
        Assert.True(g.Model.Config.DropoutRate > 0);
        using var noGrad = torch.no_grad();
        T5Seq2SeqOutput Run() => g.Model.Forward(g.T("inputs.input_ids"), null, g.T("inputs.attention_mask"), null, g.T("inputs.labels"));

        // FromPretrained returns the model in eval mode (as HF does): deterministic and equal to the golden logits.
        g.AssertActivation("outputs.logits", Run().Logits);
        g.Model.train();
        var a = Run().Logits;
        var b = Run().Logits;
        Assert.False(a.allclose(b), "train mode should apply dropout (config dropout_rate)");
        g.Model.eval();
        Assert.True(Run().Logits.equal(Run().Logits).all().item<bool>());
    }

    [Fact]
    public void Should_Require_Exactly_One_Encoder_Input_And_A_Matching_Mask()
    {
        using var scope = torch.NewDisposeScope();
        using var g = First();
        var ids = g.T("inputs.input_ids");
        var mask = g.T("inputs.attention_mask");

        Assert.Throws<ArgumentException>(() => g.Model.Encode(null, null, mask));
        Assert.Throws<ArgumentException>(() => g.Model.Encode(ids, g.Model.EmbedTokens(ids), mask));
        var wrongMask = Assert.Throws<ArgumentException>(() => g.Model.Encode(ids, null, mask.narrow(1, 0, 3)));
        Assert.Contains("attentionMask must have shape", wrongMask.Message);
        Assert.Throws<ArgumentException>(() => g.Model.Forward(ids, null, mask, null, null));
    }

    [Fact]
    public void Should_Reuse_A_Given_Encoder_Output()
    {
        using var scope = torch.NewDisposeScope();
        using var g = First();
        using var noGrad = torch.no_grad();
        var mask = g.T("inputs.attention_mask");
        var encoded = g.Model.Encode(g.T("inputs.input_ids"), null, mask, outputHiddenStates: true);

        var output = g.Model.Forward(null, null, mask, g.T("inputs.decoder_input_ids"), g.T("inputs.labels"), encoderOutput: encoded);

        g.AssertActivation("outputs.logits", output.Logits);
        Assert.Same(encoded.LastHiddenState, output.EncoderLastHiddenState);
        Assert.Equal(g.Model.Config.NumLayers + 1, encoded.HiddenStates!.Count);
    }

    [Fact]
    public void Should_Return_Only_The_Start_Token_For_Zero_New_Tokens()
    {
        using var scope = torch.NewDisposeScope();
        using var g = First();
        var ids = g.T("inputs.input_ids");

        var result = g.Model.Generate(ids, null, g.T("inputs.attention_mask"), 0, returnStepLogits: true);

        Assert.Equal([ids.shape[0], 1L], result.Sequences.shape);
        Assert.True(result.Sequences.eq(g.Model.Config.RequireDecoderStartTokenId()).all().item<bool>());
        Assert.Equal([ids.shape[0], 0L, (long)g.Model.Config.VocabSize], result.StepLogits!.shape);
    }

    [Fact]
    public void Should_Not_Leak_Tensors_From_Generation()
    {
        using var g = First();
        Tensor ids, mask;
        using (var setup = torch.NewDisposeScope())
        {
            ids = g.T("inputs.input_ids").DetachFromDisposeScope();
            mask = g.T("inputs.attention_mask").DetachFromDisposeScope();
        }
        var counts = new List<long>();
        for (int i = 0; i < 4; i++)
        {
            using (var scope = torch.NewDisposeScope())
                g.Model.Generate(ids, null, mask, 8, returnStepLogits: true);
            counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
        Assert.All(counts, c => Assert.Equal(counts[0], c));
        ids.Dispose();
        mask.Dispose();
    }
}
