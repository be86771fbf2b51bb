using Mpt.Benchmarks;
using Mpt.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Model;

/// <summary>The cached relative position bias of a frozen T5 (<see cref="T5Attention.ComputeBias"/>): the values of a
/// fresh lookup for every shape and offset, rebuilt when the table changes, never used for a table that trains, and
/// freed with the model.</summary>
public sealed class PositionBiasCacheTests
{
    private static readonly T5Config Config = BenchmarkShapes.Get(BenchmarkShapes.Tiny);

    private static (T5ForConditionalGeneration Model, T5Attention Encoder, T5Attention Decoder) NewModel()
    {
        torch.manual_seed(17);
        var model = new T5ForConditionalGeneration(Config);
        var owners = model.named_modules().Where(m => m.module is T5Attention { HasRelativeAttentionBias: true })
                          .ToDictionary(m => m.name, m => (T5Attention)m.module);
        return (model, owners["encoder.block.0.layer.0.SelfAttention"], owners["decoder.block.0.layer.0.SelfAttention"]);
    }

    /// <summary>The bias looked up afresh: the same weights (same seed) with trainable tables, which are never cached.</summary>
    private static Tensor Fresh(T5Attention owner, long tq, long tk, long offset) => owner.ComputeBias(tq, tk, offset).detach();

    [Fact]
    public void Frozen_Bias_Should_Equal_A_Fresh_Lookup_For_Every_Shape_And_Offset_And_Be_Reused()
    {
        var (model, encoder, decoder) = NewModel();
        var (trainable, freshEncoder, freshDecoder) = NewModel();
        using var _ = model;
        using var __ = trainable;
        foreach (var p in model.parameters()) p.requires_grad = false;
        using var scope = torch.NewDisposeScope();

        // Lengths in growing and shrinking order, offsets as in cached greedy decoding (1 query at position P).
        foreach (var (isDecoder, tq, tk, offset) in new (bool, long, long, long)[]
                 {
                     (false, 5, 5, 0), (false, 70, 70, 0), (false, 3, 3, 0), (false, 200, 200, 0),
                     (true, 4, 4, 0), (true, 1, 1, 0), (true, 1, 9, 8), (true, 1, 130, 129), (true, 2, 2, 0),
                 })
        {
            var cached = (isDecoder ? decoder : encoder).ComputeBias(tq, tk, offset);
            var fresh = Fresh(isDecoder ? freshDecoder : freshEncoder, tq, tk, offset);
            Assert.Equal(new long[] { 1, Config.NumHeads, tq, tk }, cached.shape);
            Assert.True(cached.equal(fresh).all().item<bool>(), $"bias ({tq}, {tk}, offset {offset}) differs from a fresh lookup");
        }
        Assert.Equal(0, freshEncoder.CachedBiasLength);

        // The square grew in steps of the granularity to the longest request and stays (it is not rebuilt per call).
        Assert.Equal(256, encoder.CachedBiasLength);
        Assert.Equal(192, decoder.CachedBiasLength);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var step = torch.NewDisposeScope()) encoder.ComputeBias(100, 100);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(256, encoder.CachedBiasLength);
    }

    [Fact]
    public void A_Trainable_Table_Should_Get_Its_Gradient_And_Nothing_Cached()
    {
        var (model, encoder, _) = NewModel();
        using var _model = model;
        using var scope = torch.NewDisposeScope();
        var table = encoder.named_parameters().Single(p => p.name == "relative_attention_bias.weight").parameter;
        Assert.True(table.requires_grad);

        encoder.ComputeBias(6, 6).sum().backward();

        Assert.NotNull(table.grad);
        Assert.True(table.grad!.abs().sum().item<float>() > 0);
        Assert.Equal(0, encoder.CachedBiasLength);
    }

    [Fact]
    public void Loading_Weights_Or_Changing_The_Dtype_Should_Rebuild_The_Cache()
    {
        var (model, encoder, _) = NewModel();
        using var _model = model;
        foreach (var p in model.parameters()) p.requires_grad = false;
        using var scope = torch.NewDisposeScope();
        var before = encoder.ComputeBias(4, 4).clone();

        // When: a checkpoint with another bias table is loaded (in place, through copy_)
        var state = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        state["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"].add_(1.0);
        model.LoadStateDict(state);

        // Then: the bias follows the new table
        var after = encoder.ComputeBias(4, 4);
        Assert.True((after - before).sub(1.0).abs().max().item<float>() < 1e-6, "the cached bias was not rebuilt after LoadStateDict");

        // And after a dtype change the bias has the new dtype
        model.to(ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, encoder.ComputeBias(4, 4).dtype);
    }

    [Fact]
    public void The_Cache_Should_Be_Freed_With_The_Model()
    {
        long baseline = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var (model, encoder, decoder) = NewModel();
        foreach (var p in model.parameters()) p.requires_grad = false;
        using (var scope = torch.NewDisposeScope())
        {
            encoder.ComputeBias(10, 10);
            decoder.ComputeBias(3, 3);
        }
        Assert.Equal(64, encoder.CachedBiasLength);

        model.Dispose();

        Assert.Equal(baseline, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
