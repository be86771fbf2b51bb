using Mpt.Encoder;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Encoder;

/// <summary>Structure of the TorchSharp BERT: HF parameter names, sizes, strict loading, both input paths.</summary>
public sealed class BertModelTests
{
    private static readonly BertConfig Tiny = new()
    {
        VocabSize = 50, HiddenSize = 16, NumLayers = 2, NumHeads = 4, IntermediateSize = 32, MaxPositions = 24,
    };

    [Fact]
    public void MiniLMParameterCountMatchesTheOnnxFile()
    {
        // docs/data.md, MiniLM: embeddings 11,918,592 + 6 × 1,774,464 = 22,565,376; + pooler 147,840 = 22,713,216.
        using var withPooler = new BertModel(BertConfig.AllMiniLmL6V2);
        using var withoutPooler = new BertModel(BertConfig.AllMiniLmL6V2 with { AddPoolingLayer = false });
        Assert.Equal(22_713_216L, withPooler.parameters().Sum(p => p.numel()));
        Assert.Equal(22_565_376L, withoutPooler.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void ParameterNamesAreTheHuggingFaceBertNames()
    {
        using var model = new BertModel(Tiny);
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        var expected = new List<string>
        {
            "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight",
            "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias", "pooler.dense.weight", "pooler.dense.bias",
        };
        for (int layer = 0; layer < Tiny.NumLayers; layer++)
            foreach (string module in new[] { "attention.self.query", "attention.self.key", "attention.self.value",
                         "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm" })
                expected.AddRange([$"encoder.layer.{layer}.{module}.weight", $"encoder.layer.{layer}.{module}.bias"]);
        Assert.Equal(expected.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void LoadWeightsIsStrictAboutKeysAndShapes()
    {
        using var scope = NewDisposeScope();
        using var source = new BertModel(Tiny);
        using var target = new BertModel(Tiny);
        var weights = source.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter.detach().clone());

        target.LoadWeights(weights, "tiny.onnx");
        foreach (var (name, parameter) in target.named_parameters())
            Assert.True(parameter.equal(weights[name]).all().item<bool>(), name);

        var missing = new Dictionary<string, Tensor>(weights);
        missing.Remove("encoder.layer.1.intermediate.dense.weight");
        var error = Assert.Throws<InvalidDataException>(() => target.LoadWeights(missing, "tiny.onnx"));
        Assert.Contains("tiny.onnx", error.Message);
        Assert.Contains("missing [encoder.layer.1.intermediate.dense.weight]", error.Message);

        var wrongShape = new Dictionary<string, Tensor>(weights) { ["pooler.dense.weight"] = torch.zeros(16, 8) };
        error = Assert.Throws<InvalidDataException>(() => target.LoadWeights(wrongShape, "tiny.onnx"));
        Assert.Contains("mis-shaped [pooler.dense.weight: file [16,8], model [16,16]]", error.Message);

        var extra = new Dictionary<string, Tensor>(weights) { ["cls.predictions.bias"] = torch.zeros(50) };
        error = Assert.Throws<InvalidDataException>(() => target.LoadWeights(extra, "tiny.onnx"));
        Assert.Contains("unexpected [cls.predictions.bias]", error.Message);
    }

    [Fact]
    public void IdsAndTheirWordEmbeddingsGiveTheSameOutput()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        using var model = new BertModel(Tiny);
        model.eval();
        var ids = torch.tensor(new long[] { 2, 7, 9, 3, 0, 2, 5, 6, 11, 3 }, [2, 5]);
        var mask = torch.tensor(new long[] { 1, 1, 1, 1, 0, 1, 1, 1, 1, 1 }, [2, 5]);
        var types = torch.tensor(new long[] { 0, 0, 0, 0, 0, 0, 0, 1, 1, 1 }, [2, 5]);

        var fromIds = model.Forward(ids, mask, types);
        var fromEmbeddings = model.ForwardEmbeddings(model.WordEmbeddings(ids), mask, types);

        Assert.Equal(Tiny.NumLayers + 1, fromIds.HiddenStates.Count);
        Assert.Same(fromIds.HiddenStates[^1], fromIds.LastHiddenState);
        Assert.True(fromIds.LastHiddenState.allclose(fromEmbeddings.LastHiddenState, rtol: 0, atol: 0));
        Assert.True(fromIds.PoolerOutput!.allclose(fromEmbeddings.PoolerOutput!, rtol: 0, atol: 0));
        Assert.Equal([2L, 16L], fromIds.PoolerOutput!.shape);
    }

    [Fact]
    public void PaddingDoesNotChangeUnmaskedPositions()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(4);
        using var model = new BertModel(Tiny);
        model.eval();
        var shortIds = torch.tensor(new long[] { 2, 7, 9, 3 }, [1, 4]);
        var paddedIds = torch.tensor(new long[] { 2, 7, 9, 3, 0, 0 }, [1, 6]);
        var alone = model.Forward(shortIds, torch.ones(1, 4, dtype: ScalarType.Int64));
        var padded = model.Forward(paddedIds, torch.tensor(new long[] { 1, 1, 1, 1, 0, 0 }, [1, 6]));
        Assert.True(alone.LastHiddenState.allclose(padded.LastHiddenState.narrow(1, 0, 4), rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void RepeatedPromptStepsInScopesLeaveNoTensorsBehind()
    {
        torch.manual_seed(5);
        using var model = new BertModel(Tiny);
        model.Freeze();
        using var prompt = new TorchSharp.Modules.Parameter(torch.randn(3, 16));
        using var ids = torch.tensor(new long[] { 2, 7, 9, 3 }, [1, 4]);
        using var mask = torch.ones(1, 7, dtype: ScalarType.Int64);
        var counts = new List<long>();
        for (int step = 0; step < 6; step++)
        {
            using (NewDisposeScope())
            {
                prompt.grad?.zero_();
                var embeds = torch.cat([prompt.unsqueeze(0), model.WordEmbeddings(ids)], 1);
                using var output = model.ForwardEmbeddings(embeds, mask);
                output.PoolerOutput!.sum().backward();
            }
            counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
        // After the first step (which allocates prompt.grad) the number of live tensors stays flat.
        Assert.All(counts.Skip(2), count => Assert.Equal(counts[1], count));
        using (var probe = torch.zeros(1))
            Assert.Equal(counts[^1] + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void BadShapesAreRejectedWithTheExpectedShape()
    {
        using var scope = NewDisposeScope();
        using var model = new BertModel(Tiny);
        var embeds = torch.zeros(2, 5, 16);
        var error = Assert.Throws<ArgumentException>(() => model.ForwardEmbeddings(embeds, torch.ones(2, 4)));
        Assert.Contains("attentionMask must be (B, S) = [2, 5]", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.ForwardEmbeddings(torch.zeros(2, 5, 8), torch.ones(2, 5)));
        Assert.Contains("(B, S, 16)", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.ForwardEmbeddings(torch.zeros(1, 30, 16), torch.ones(1, 30)));
        Assert.Contains("exceeds the 24 position embeddings", error.Message);
        Assert.Throws<ArgumentException>(() => new BertModel(Tiny with { NumHeads = 5 }));
    }
}
