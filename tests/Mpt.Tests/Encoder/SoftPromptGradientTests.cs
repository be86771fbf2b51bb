using Mpt.Encoder;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Mpt.Tests.Encoder;

/// <summary>
/// Prompt tuning on the frozen encoder (Lester et al. 2021): a soft prompt concatenated before the word embeddings is
/// the only thing that receives gradients.
/// </summary>
[Collection(MiniLMCollection.Name)]
public sealed class SoftPromptGradientTests(MiniLMFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void GradientsReachAPrependedPromptButNoEncoderWeight()
    {
        using var scope = NewDisposeScope();
        const int promptLength = 20;
        var model = fixture.Model;
        Assert.All(model.parameters(), p => Assert.False(p.requires_grad));

        var batch = EncoderBatch.Pad(
            [fixture.Tokenizer.Encode("A good movie."), fixture.Tokenizer.Encode("Which sense?", "The bank of a river.")],
            fixture.Tokenizer.PadTokenId);
        var (ids, mask, types) = batch.ToTensors();
        torch.manual_seed(7);
        var prompt = new TorchSharp.Modules.Parameter(torch.randn(promptLength, 384) * 0.5);

        long b = batch.BatchSize;
        var embeds = torch.cat([prompt.unsqueeze(0).expand(b, -1, -1), model.WordEmbeddings(ids)], 1);   // (B, P+S, D)
        var fullMask = torch.cat([torch.ones(b, promptLength, dtype: ScalarType.Int64), mask], 1);
        var fullTypes = torch.cat([torch.zeros(b, promptLength, dtype: ScalarType.Int64), types], 1);
        var result = model.ForwardEmbeddings(embeds, fullMask, fullTypes);
        Assert.Equal([b, promptLength + batch.SequenceLength, 384L], result.LastHiddenState.shape);

        // Mean-pool the input positions (not the prompt) like the sentence-transformers wrapper, then any scalar loss.
        var inputStates = result.LastHiddenState.narrow(1, promptLength, batch.SequenceLength);
        var pooled = (inputStates * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim: true);
        pooled.pow(2).sum().backward();

        Assert.NotNull(prompt.grad);
        double norm = prompt.grad!.norm().item<float>();
        output.WriteLine($"prompt gradient norm {norm:F3}");
        Assert.True(norm > 0 && double.IsFinite(norm), $"prompt gradient norm {norm}");
        Assert.True(prompt.grad!.abs().sum(1).gt(0).all().item<bool>(), "every prompt row gets a gradient");
        Assert.All(model.parameters(), p => Assert.Null(p.grad));
    }
}
