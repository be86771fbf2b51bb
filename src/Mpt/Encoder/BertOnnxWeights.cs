using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Encoder;

/// <summary>
/// Turns the initializers of a PyTorch-exported BERT ONNX graph into a state dict with Hugging Face BERT names and
/// PyTorch layouts (docs/data.md, MiniLM).
/// <para>
/// The exporter keeps the names of embeddings, LayerNorms and biases, but every <c>nn.Linear</c> applied to a 3-D
/// input becomes <c>MatMul(x, W)</c> with W pre-transposed to [in, out] under a generated name (<c>927</c>,
/// <c>onnx::MatMul_788</c>, …) followed by <c>Add(bias, ·)</c>. The name is recovered by walking the graph: the
/// single consumer of the MatMul's output is an Add whose other input is the named bias <c>X.bias</c>, so the matrix is
/// <c>X.weight</c>, transposed back to [out, in]. Numeric order of the generated names is never used. A Linear on a
/// 2-D input (the pooler) becomes <c>Gemm(x, W, b)</c>; its <c>transB</c> attribute says whether W is already [out, in].
/// </para>
/// </summary>
internal static class BertOnnxWeights
{
    /// <summary>
    /// Reads every parameter tensor: mapped projection matrices plus the initializers named <c>*.weight</c> or
    /// <c>*.bias</c>. Buffers (e.g. <c>embeddings.position_ids</c>) and graph constants are left out.
    /// </summary>
    /// <param name="model">The parsed ONNX model.</param>
    /// <param name="source">File name used in error messages.</param>
    /// <returns>New CPU tensors by BERT parameter name; the caller owns them.</returns>
    /// <exception cref="InvalidDataException">A projection cannot be named from the graph, or two map to one name.</exception>
    public static Dictionary<string, Tensor> Read(OnnxModelFile model, string source)
    {
        var consumers = new Dictionary<string, List<OnnxNode>>(StringComparer.Ordinal);
        foreach (var node in model.Nodes)
            foreach (string input in node.Inputs)
            {
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = [];
                list.Add(node);
            }

        // (name → (initializer, transpose?)) for the matrices that the graph names.
        var projections = new Dictionary<string, (OnnxInitializer Matrix, bool Transpose)>(StringComparer.Ordinal);
        void AddProjection(string weightName, OnnxInitializer matrix, bool transpose, OnnxNode node)
        {
            if (!projections.TryAdd(weightName, (matrix, transpose)))
                throw new InvalidDataException(
                    $"{source}: initializers '{projections[weightName].Matrix.Name}' and '{matrix.Name}' both map to '{weightName}' (node {node.OpType} '{node.Name}').");
        }

        foreach (var node in model.Nodes)
        {
            if (node.OpType == "MatMul" && node.Inputs.Count == 2 && model.Initializers.TryGetValue(node.Inputs[1], out var matrix))
            {
                string bias = NamedBiasAfter(node, consumers, model, source);
                AddProjection(WeightNameOf(bias), matrix, transpose: true, node);
            }
            else if (node.OpType == "Gemm" && node.Inputs.Count == 3
                     && model.Initializers.TryGetValue(node.Inputs[1], out var gemmMatrix)
                     && model.Initializers.ContainsKey(node.Inputs[2]))
            {
                // Gemm computes alpha·A·op(B) + beta·C; exported Linear layers use alpha = beta = 1.
                if (node.IntAttributes.GetValueOrDefault("transA", 0) != 0)
                    throw new InvalidDataException($"{source}: Gemm '{node.Name}' with transA = 1 is not an exported Linear.");
                string bias = node.Inputs[2];
                if (!bias.EndsWith(".bias", StringComparison.Ordinal))
                    throw new InvalidDataException($"{source}: Gemm '{node.Name}' adds '{bias}', which is not a named bias.");
                bool alreadyOutIn = node.IntAttributes.GetValueOrDefault("transB", 0) == 1;
                AddProjection(WeightNameOf(bias), gemmMatrix, transpose: !alreadyOutIn, node);
            }
        }

        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, (matrix, transpose)) in projections)
            {
                if (matrix.DataType != OnnxDataType.Float || matrix.Dims.Count != 2)
                    throw new InvalidDataException($"{source}: '{matrix.Name}' mapped to '{name}' is not a 2-D float matrix.");
                using var stored = matrix.ToTensor();
                weights[name] = transpose ? stored.t().contiguous() : stored.clone();
            }
            foreach (var initializer in model.Initializers.Values)
            {
                bool parameterName = initializer.Name.EndsWith(".weight", StringComparison.Ordinal)
                                     || initializer.Name.EndsWith(".bias", StringComparison.Ordinal);
                if (!parameterName || weights.ContainsKey(initializer.Name)) continue;
                if (initializer.DataType != OnnxDataType.Float)
                    throw new InvalidDataException($"{source}: parameter '{initializer.Name}' is {initializer.DataType}, expected Float.");
                weights[initializer.Name] = initializer.ToTensor();
            }
            return weights;
        }
        catch
        {
            foreach (var tensor in weights.Values) tensor.Dispose();
            throw;
        }
    }

    /// <summary>The named bias added right after a MatMul: its output's only consumer is Add(bias, x) or Add(x, bias).</summary>
    private static string NamedBiasAfter(OnnxNode matMul, Dictionary<string, List<OnnxNode>> consumers, OnnxModelFile model, string source)
    {
        string output = matMul.Outputs[0];
        string what = $"{source}: MatMul '{matMul.Name}' with weight initializer '{matMul.Inputs[1]}'";
        if (!consumers.TryGetValue(output, out var next) || next.Count != 1 || next[0].OpType != "Add")
            throw new InvalidDataException($"{what}: its output '{output}' does not feed exactly one Add, so the weight cannot be named from the graph.");
        var add = next[0];
        var biases = add.Inputs.Where(i => i != output && model.Initializers.ContainsKey(i)).ToList();
        if (biases.Count != 1 || !biases[0].EndsWith(".bias", StringComparison.Ordinal))
            throw new InvalidDataException($"{what}: the following Add '{add.Name}' has inputs [{string.Join(", ", add.Inputs)}], none of them a named '*.bias' initializer.");
        return biases[0];
    }

    private static string WeightNameOf(string biasName) => biasName[..^".bias".Length] + ".weight";
}
