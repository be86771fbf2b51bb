using Mpt.Encoder;
using TorchSharp;
using Xunit;
using static Mpt.Tests.Encoder.OnnxProtoWriter;
using static TorchSharp.torch;

namespace Mpt.Tests.Encoder;

/// <summary>The ONNX reader and the MatMul → Add(bias) naming rule on hand-written graphs with known answers.</summary>
public sealed class OnnxWeightMapTests
{
    // [in = 2, out = 3] as the exporter stores a Linear(2 → 3) for MatMul.
    private static readonly float[] InOut = [1, 2, 3, 4, 5, 6];

    private static byte[] SmallModel() => ModelProto(
        [
            Node("MatMul", ["x", "17"], ["m"]),
            Node("Add", ["lin.bias", "m"], ["y"]),
            Node("Gemm", ["y", "pool.weight", "pool.bias"], ["p"], ("transB", 1)),
            Node("Gemm", ["y", "onnx::Gemm_9", "head.bias"], ["q"], ("transB", 0)),
        ],
        [
            FloatTensor("17", [2, 3], InOut),
            FloatTensor("lin.bias", [3], [0.1f, 0.2f, 0.3f]),
            FloatTensorTyped("pool.weight", [2, 3], InOut),
            FloatTensor("pool.bias", [2], [7, 8]),
            FloatTensor("onnx::Gemm_9", [2, 3], InOut),
            FloatTensor("head.bias", [3], [0, 0, 0]),
            FloatTensor("emb.weight", [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]),
            Int64Tensor("emb.position_ids", [1, 4], [0, 1, 2, 3]),
        ]);

    [Fact]
    public void ReaderDecodesNodesAttributesAndBothTensorEncodings()
    {
        var model = OnnxModelFile.Parse(SmallModel(), "small.onnx");
        Assert.Equal(["MatMul", "Add", "Gemm", "Gemm"], model.Nodes.Select(n => n.OpType));
        Assert.Equal(["lin.bias", "m"], model.Nodes[1].Inputs);
        Assert.Equal(1, model.Nodes[2].IntAttributes["transB"]);
        Assert.Equal([2L, 3L], model.Initializers["pool.weight"].Dims);
        Assert.Equal(OnnxDataType.Int64, model.Initializers["emb.position_ids"].DataType);
        using var typed = model.Initializers["pool.weight"].ToTensor();
        using var raw = model.Initializers["17"].ToTensor();
        Assert.True(typed.equal(raw).all().item<bool>());
        Assert.Equal(6f, raw[1, 2].item<float>());
    }

    [Fact]
    public void ProjectionsAreNamedByTheFollowingBiasAndTransposedToOutIn()
    {
        using var scope = NewDisposeScope();
        var weights = BertOnnxWeights.Read(OnnxModelFile.Parse(SmallModel(), "small.onnx"), "small.onnx");

        Assert.Equal(["emb.weight", "head.bias", "head.weight", "lin.bias", "lin.weight", "pool.bias", "pool.weight"],
            weights.Keys.Order(StringComparer.Ordinal));
        var inOut = torch.tensor(InOut, [2, 3]);
        Assert.True(weights["lin.weight"].equal(inOut.t()).all().item<bool>());   // MatMul: stored [in, out]
        Assert.True(weights["pool.weight"].equal(inOut).all().item<bool>());      // Gemm transB = 1: already [out, in]
        Assert.True(weights["head.weight"].equal(inOut.t()).all().item<bool>());  // Gemm transB = 0: [in, out]
        foreach (var tensor in weights.Values) tensor.Dispose();
    }

    [Fact]
    public void AMatMulThatFeedsNoNamedBiasIsAnError()
    {
        var bytes = ModelProto(
            [Node("MatMul", ["x", "17"], ["m"]), Node("Relu", ["m"], ["y"])],
            [FloatTensor("17", [2, 3], InOut)]);
        var error = Assert.Throws<InvalidDataException>(() => BertOnnxWeights.Read(OnnxModelFile.Parse(bytes, "relu.onnx"), "relu.onnx"));
        Assert.Contains("relu.onnx", error.Message);
        Assert.Contains("'17'", error.Message);
        Assert.Contains("cannot be named", error.Message);
    }

    [Fact]
    public void TwoMatricesForOneBiasAreAnError()
    {
        var bytes = ModelProto(
            [
                Node("MatMul", ["x", "17"], ["m"]), Node("Add", ["m", "lin.bias"], ["y"]),
                Node("MatMul", ["y", "18"], ["n"]), Node("Add", ["n", "lin.bias"], ["z"]),
            ],
            [FloatTensor("17", [2, 3], InOut), FloatTensor("18", [2, 3], InOut), FloatTensor("lin.bias", [3], [0, 0, 0])]);
        var error = Assert.Throws<InvalidDataException>(() => BertOnnxWeights.Read(OnnxModelFile.Parse(bytes, "dup.onnx"), "dup.onnx"));
        Assert.Contains("'17' and '18' both map to 'lin.weight'", error.Message);
    }

    [Fact]
    public void MalformedFilesFailWithTheFileNameAndOffset()
    {
        byte[] good = SmallModel();
        var error = Assert.Throws<InvalidDataException>(() => OnnxModelFile.Parse(good[..^5], "cut.onnx"));
        Assert.Contains("cut.onnx: not a valid ONNX model (protobuf error at byte", error.Message);

        error = Assert.Throws<InvalidDataException>(() => OnnxModelFile.Parse(VarintField(1, 7), "nograph.onnx"));
        Assert.Contains("no graph", error.Message);

        byte[] external = ModelProto([], [[.. FloatTensor("w.weight", [1], [1]), .. VarintField(14, 1)]]);
        error = Assert.Throws<InvalidDataException>(() => OnnxModelFile.Parse(external, "ext.onnx"));
        Assert.Contains("'w.weight' keeps its data in an external file", error.Message);

        byte[] shortRaw = ModelProto([], [FloatTensor("w.weight", [2, 2], [1, 2, 3])]);
        error = Assert.Throws<InvalidDataException>(() => OnnxModelFile.Parse(shortRaw, "raw.onnx"));
        Assert.Contains("raw_data has 12 bytes, shape [2, 2] of Float needs 16", error.Message);
    }
}
