using Mpt.Benchmarks;
using Mpt.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Model;

/// <summary><see cref="T5ForConditionalGeneration.DecoderLogits"/> with a shared <see cref="T5CrossAttentionCache"/>:
/// the same logits as a full decoder pass, for every decoder input scored against one encoder output.</summary>
public sealed class CrossAttentionCacheTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Decoder_Logits_Should_Equal_Forward_For_Every_Decoder_Input_Reusing_One_Cache(bool gated)
    {
        // Given: a tiny T5, a padded batch, its encoder output and three decoder inputs of different lengths
        torch.manual_seed(11);
        var config = BenchmarkShapes.Get(BenchmarkShapes.Tiny) with { FeedForwardProj = gated ? "gated-gelu" : "relu" };
        using var model = new T5ForConditionalGeneration(config);
        model.eval();
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var ids = torch.randint(2, config.VocabSize, [3, 9], ScalarType.Int64);
        var mask = torch.ones(3, 9, ScalarType.Int64);
        mask[1, TensorIndex.Slice(6)] = 0;
        var encoded = model.Encode(ids, null, mask);
        using var cache = model.NewCrossAttentionCache();

        foreach (int length in new[] { 1, 4, 2 })
        {
            var decoderIds = torch.randint(0, config.VocabSize, [3, length], ScalarType.Int64);
            // When
            var cached = model.DecoderLogits(decoderIds, encoded.LastHiddenState, mask, cache);
            var fresh = model.Forward(null, null, mask, decoderIds, null, encoderOutput: encoded).Logits;
            // Then: bitwise equal (the reused keys and values are the tensors a fresh pass computes)
            Assert.Equal(fresh.shape, cached.shape);
            Assert.True(fresh.equal(cached).all().item<bool>(), $"decoder length {length}: logits differ by {(fresh - cached).abs().max().item<float>()}");
        }
    }

    [Fact]
    public void A_Cache_Should_Refuse_Another_Encoder_Output_And_Keep_The_Live_Tensor_Count_Flat()
    {
        torch.manual_seed(3);
        var config = BenchmarkShapes.Get(BenchmarkShapes.Tiny);
        using var model = new T5ForConditionalGeneration(config);
        model.eval();
        using var noGrad = torch.no_grad();
        using var ids = torch.randint(2, config.VocabSize, [2, 5], ScalarType.Int64);
        using var mask = torch.ones(2, 5, ScalarType.Int64);
        using var decoderIds = torch.zeros(2, 2, ScalarType.Int64);
        using var first = model.Encode(ids, null, mask).LastHiddenState;
        using var second = model.Encode(ids, null, mask).LastHiddenState;

        long? live = null;
        for (int round = 0; round < 4; round++)
        {
            using (var scope = NewDisposeScope())
            using (var cache = model.NewCrossAttentionCache())
            {
                model.DecoderLogits(decoderIds, first, mask, cache);
                model.DecoderLogits(decoderIds, first, mask, cache);
                var e = Assert.Throws<InvalidOperationException>(() => model.DecoderLogits(decoderIds, second, mask, cache));
                Assert.Contains("another encoder output", e.Message);
            }
            long now = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            if (round > 0) Assert.Equal(live, now);
            live = now;
        }
    }
}
