using System.Text.RegularExpressions;
using Mpt.Encoder;
using Xunit;

namespace Mpt.Tests.Encoder;

/// <summary>The graph-walk name map on the real MiniLM ONNX file (docs/data.md, MiniLM).</summary>
[Collection(MiniLMCollection.Name)]
public sealed partial class MiniLMWeightsTests(MiniLMFixture fixture)
{
    [Fact]
    public void EveryAnonymousProjectionGetsItsOwnLayerName()
    {
        var model = OnnxModelFile.Read(fixture.Files.ModelPath);
        var anonymous = model.Nodes.Where(n => n.OpType == "MatMul" && model.Initializers.ContainsKey(n.Inputs[1]))
            .Select(n => n.Inputs[1]).ToList();
        // The projection matrices really are stored under generated names, so names must come from the graph.
        Assert.Equal(6 * 6, anonymous.Count);
        Assert.All(anonymous, name => Assert.DoesNotContain(".", name));

        var weights = BertOnnxWeights.Read(model, fixture.Files.ModelPath);
        try
        {
            var projections = weights.Keys.Where(k => LayerProjection().IsMatch(k)).ToList();
            Assert.Equal(36, projections.Count);
            Assert.All(projections.GroupBy(k => LayerProjection().Match(k).Groups[1].Value), layer => Assert.Equal(6, layer.Count()));
            Assert.Equal(22_713_216L, weights.Values.Sum(t => t.numel()));
            // MatMul weights are [in, out] in the file and [out, in] here: the FFN matrices show the difference.
            Assert.Equal([1536L, 384L], weights["encoder.layer.0.intermediate.dense.weight"].shape);
            Assert.Equal([384L, 1536L], weights["encoder.layer.0.output.dense.weight"].shape);
        }
        finally
        {
            foreach (var tensor in weights.Values) tensor.Dispose();
        }
    }

    [GeneratedRegex(@"^encoder\.layer\.(\d+)\.(attention\.self\.(query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense)\.weight$")]
    private static partial Regex LayerProjection();
}
