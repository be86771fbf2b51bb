namespace Mpt.Tests.Encoder;

/// <summary>
/// Writes tiny ONNX <c>ModelProto</c> byte strings by hand (protobuf wire format, onnx.proto field numbers) so the
/// reader and the graph-walk weight map can be tested on graphs with known answers and on malformed input.
/// </summary>
internal static class OnnxProtoWriter
{
    public static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value != 0 ? (byte)(b | 0x80) : b);
        } while (value != 0);
        return [.. bytes];
    }

    public static byte[] Tag(int field, int wireType) => Varint((ulong)(field << 3 | wireType));

    public static byte[] VarintField(int field, long value) => [.. Tag(field, 0), .. Varint(unchecked((ulong)value))];

    public static byte[] Bytes(int field, byte[] payload) => [.. Tag(field, 2), .. Varint((ulong)payload.Length), .. payload];

    public static byte[] Text(int field, string text) => Bytes(field, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>A float TensorProto with packed dims and raw_data (what PyTorch's exporter writes).</summary>
    public static byte[] FloatTensor(string name, long[] dims, float[] values) =>
    [
        .. Bytes(1, [.. dims.SelectMany(d => Varint((ulong)d))]),
        .. VarintField(2, 1),
        .. Text(8, name),
        .. Bytes(9, [.. values.SelectMany(BitConverter.GetBytes)]),
    ];

    /// <summary>A float TensorProto with unpacked dims and packed float_data instead of raw_data.</summary>
    public static byte[] FloatTensorTyped(string name, long[] dims, float[] values) =>
    [
        .. dims.SelectMany(d => VarintField(1, d)),
        .. VarintField(2, 1),
        .. Bytes(4, [.. values.SelectMany(BitConverter.GetBytes)]),
        .. Text(8, name),
    ];

    public static byte[] Int64Tensor(string name, long[] dims, long[] values) =>
    [
        .. Bytes(1, [.. dims.SelectMany(d => Varint((ulong)d))]),
        .. VarintField(2, 7),
        .. Text(8, name),
        .. Bytes(9, [.. values.SelectMany(BitConverter.GetBytes)]),
    ];

    public static byte[] Node(string opType, string[] inputs, string[] outputs, params (string Name, long Value)[] intAttributes) =>
    [
        .. inputs.SelectMany(i => Text(1, i)),
        .. outputs.SelectMany(o => Text(2, o)),
        .. Text(3, $"{opType}_{outputs[0]}"),
        .. Text(4, opType),
        .. intAttributes.SelectMany(a => Bytes(5, [.. Text(1, a.Name), .. VarintField(3, a.Value), .. VarintField(20, 2)])),
    ];

    /// <summary>A ModelProto (ir_version 7, producer name) around a graph of the given nodes and initializers.</summary>
    public static byte[] ModelProto(IEnumerable<byte[]> nodes, IEnumerable<byte[]> initializers)
    {
        byte[] graph = [.. nodes.SelectMany(n => Bytes(1, n)), .. Text(2, "g"), .. initializers.SelectMany(t => Bytes(5, t))];
        return [.. VarintField(1, 7), .. Text(2, "pytorch"), .. Bytes(7, graph)];
    }
}
