using Mpt.Checkpoints;
using Mpt.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Encoder;

/// <summary>Element types of an ONNX <c>TensorProto</c> that Mpt reads (onnx.proto <c>TensorProto.DataType</c>).</summary>
public enum OnnxDataType
{
    /// <summary>32-bit float (1).</summary>
    Float = 1,
    /// <summary>64-bit signed integer (7).</summary>
    Int64 = 7,
}

/// <summary>One node of an ONNX graph: operator type and the names of the values it consumes and produces.</summary>
/// <param name="Name">Node name (may be empty).</param>
/// <param name="OpType">Operator, e.g. <c>MatMul</c>, <c>Add</c>.</param>
/// <param name="Inputs">Input value names, in operator order.</param>
/// <param name="Outputs">Output value names.</param>
/// <param name="IntAttributes">The node's integer attributes (e.g. Gemm <c>transB</c>); other attribute types are not read.</param>
public sealed record OnnxNode(string Name, string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs,
    IReadOnlyDictionary<string, long> IntAttributes);

/// <summary>A weight stored in the graph (<c>GraphProto.initializer</c>): name, shape, element type and values.</summary>
public sealed class OnnxInitializer
{
    private readonly ReadOnlyMemory<byte> _raw;
    private readonly float[]? _floats;
    private readonly long[]? _longs;

    internal OnnxInitializer(string name, long[] dims, OnnxDataType dataType, ReadOnlyMemory<byte> raw, float[]? floats, long[]? longs)
    {
        Name = name;
        Dims = dims;
        DataType = dataType;
        _raw = raw;
        _floats = floats;
        _longs = longs;
    }

    /// <summary>Initializer name (also the graph value name).</summary>
    public string Name { get; }

    /// <summary>Shape.</summary>
    public IReadOnlyList<long> Dims { get; }

    /// <summary>Element type.</summary>
    public OnnxDataType DataType { get; }

    /// <summary>Number of elements.</summary>
    public long ElementCount => Dims.Aggregate(1L, (a, b) => a * b);

    /// <summary>A new CPU tensor with the initializer's shape, dtype and values (ONNX raw data is little-endian).</summary>
    public Tensor ToTensor()
    {
        long[] shape = [.. Dims];
        if (DataType == OnnxDataType.Float)
        {
            float[] values = _floats ?? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(_raw.Span).ToArray();
            return torch.tensor(values, dtype: ScalarType.Float32).reshape(shape);
        }
        long[] longs = _longs ?? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(_raw.Span).ToArray();
        return torch.tensor(longs, dtype: ScalarType.Int64).reshape(shape);
    }
}

/// <summary>
/// The graph of an ONNX model file (onnx/onnx.proto), read with a dependency-free protobuf reader: nodes in file order
/// (ONNX requires topological order) and initializers by name. Only what weight import needs is decoded:
/// <c>ModelProto.graph</c> (7); <c>GraphProto.node</c> (1), <c>.initializer</c> (5);
/// <c>NodeProto.input</c> (1), <c>.output</c> (2), <c>.name</c> (3), <c>.op_type</c> (4), <c>.attribute</c> (5);
/// <c>AttributeProto.name</c> (1), <c>.i</c> (3), <c>.type</c> (20, INT = 2);
/// <c>TensorProto.dims</c> (1), <c>.data_type</c> (2), <c>.float_data</c> (4), <c>.int64_data</c> (7), <c>.name</c> (8),
/// <c>.raw_data</c> (9), <c>.data_location</c> (14).
/// </summary>
internal sealed class OnnxModelFile
{
    private OnnxModelFile(IReadOnlyList<OnnxNode> nodes, IReadOnlyDictionary<string, OnnxInitializer> initializers)
    {
        Nodes = nodes;
        Initializers = initializers;
    }

    /// <summary>Graph nodes in file (topological) order.</summary>
    public IReadOnlyList<OnnxNode> Nodes { get; }

    /// <summary>Initializers by name.</summary>
    public IReadOnlyDictionary<string, OnnxInitializer> Initializers { get; }

    /// <summary>Reads the model at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid ONNX model or uses an unsupported tensor encoding.</exception>
    public static OnnxModelFile Read(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Parses a serialized <c>ModelProto</c>; <paramref name="source"/> names it in error messages.</summary>
    public static OnnxModelFile Parse(byte[] bytes, string source)
    {
        var model = new ProtobufWireReader(bytes, 0, bytes.Length, source, "ONNX model");
        ProtobufWireReader? graph = null;
        while (model.HasMore)
        {
            var (field, wire) = model.ReadTag();
            if (field == 7)
            {
                model.Expect(field, wire, ProtobufWireReader.LengthDelimited, "ModelProto.graph");
                graph = model.ReadMessage();
            }
            else model.Skip(wire);
        }
        if (graph is null) throw new InvalidDataException($"{source}: not a valid ONNX model (ModelProto has no graph, field 7).");

        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxInitializer>(StringComparer.Ordinal);
        var reader = graph.Value;
        while (reader.HasMore)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1:
                    reader.Expect(field, wire, ProtobufWireReader.LengthDelimited, "GraphProto.node");
                    nodes.Add(ReadNode(reader.ReadMessage()));
                    break;
                case 5:
                    reader.Expect(field, wire, ProtobufWireReader.LengthDelimited, "GraphProto.initializer");
                    var initializer = ReadTensor(reader.ReadMessage(), bytes, source);
                    if (!initializers.TryAdd(initializer.Name, initializer))
                        throw new InvalidDataException($"{source}: initializer '{initializer.Name}' appears twice.");
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        return new OnnxModelFile(nodes, initializers);
    }

    private static OnnxNode ReadNode(ProtobufWireReader reader)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, long>(StringComparer.Ordinal);
        string name = "", opType = "";
        while (reader.HasMore)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: reader.Expect(field, wire, ProtobufWireReader.LengthDelimited, "NodeProto.input"); inputs.Add(reader.ReadString()); break;
                case 2: reader.Expect(field, wire, ProtobufWireReader.LengthDelimited, "NodeProto.output"); outputs.Add(reader.ReadString()); break;
                case 3: reader.Expect(field, wire, ProtobufWireReader.LengthDelimited, "NodeProto.name"); name = reader.ReadString(); break;
                case 4: reader.Expect(field, wire, ProtobufWireReader.LengthDelimited, "NodeProto.op_type"); opType = reader.ReadString(); break;
                case 5:
                    reader.Expect(field, wire, ProtobufWireReader.LengthDelimited, "NodeProto.attribute");
                    if (ReadIntAttribute(reader.ReadMessage()) is var (key, value)) attributes[key] = value;
                    break;
                default: reader.Skip(wire); break;
            }
        }
        return new OnnxNode(name, opType, inputs, outputs, attributes);
    }

    private const long AttributeTypeInt = 2;

    private static (string Name, long Value)? ReadIntAttribute(ProtobufWireReader reader)
    {
        string name = "";
        long value = 0, type = 0;
        while (reader.HasMore)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: reader.Expect(field, wire, ProtobufWireReader.LengthDelimited, "AttributeProto.name"); name = reader.ReadString(); break;
                case 3: reader.Expect(field, wire, ProtobufWireReader.Varint, "AttributeProto.i"); value = reader.ReadInt64(); break;
                case 20: reader.Expect(field, wire, ProtobufWireReader.Varint, "AttributeProto.type"); type = reader.ReadInt64(); break;
                default: reader.Skip(wire); break;
            }
        }
        return type == AttributeTypeInt ? (name, value) : null;
    }

    private static OnnxInitializer ReadTensor(ProtobufWireReader reader, byte[] bytes, string source)
    {
        var dims = new List<long>();
        var floats = new List<float>();
        var longs = new List<long>();
        long dataType = 0, location = 0;
        string name = "";
        ReadOnlyMemory<byte>? raw = null;
        while (reader.HasMore)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: reader.ReadInt64s(wire, dims); break;
                case 2: reader.Expect(field, wire, ProtobufWireReader.Varint, "TensorProto.data_type"); dataType = reader.ReadInt64(); break;
                case 4: reader.ReadFloats(wire, floats); break;
                case 7: reader.ReadInt64s(wire, longs); break;
                case 8: reader.Expect(field, wire, ProtobufWireReader.LengthDelimited, "TensorProto.name"); name = reader.ReadString(); break;
                case 9:
                    reader.Expect(field, wire, ProtobufWireReader.LengthDelimited, "TensorProto.raw_data");
                    var (start, length) = reader.ReadLengthDelimited();
                    raw = new ReadOnlyMemory<byte>(bytes, start, length);
                    break;
                case 14: reader.Expect(field, wire, ProtobufWireReader.Varint, "TensorProto.data_location"); location = reader.ReadInt64(); break;
                default: reader.Skip(wire); break;
            }
        }

        string what = $"{source}: initializer '{name}'";
        if (location != 0) throw new InvalidDataException($"{what} keeps its data in an external file, which is not supported.");
        if (dataType is not ((long)OnnxDataType.Float or (long)OnnxDataType.Int64))
            throw new InvalidDataException($"{what} has ONNX data type {dataType}; only FLOAT (1) and INT64 (7) are supported.");
        if (dims.Any(d => d < 0)) throw new InvalidDataException($"{what} has a negative dimension [{string.Join(", ", dims)}].");
        var type = (OnnxDataType)dataType;
        int elementSize = type == OnnxDataType.Float ? 4 : 8;
        // Dims are claims: a product that wraps around, or a 0 beside sizes whose strides overflow, would pass the size check.
        long count = ClaimedShape.ElementCount(dims, elementSize)
            ?? throw new InvalidDataException($"{what} has shape [{string.Join(", ", dims)}], more elements than 64-bit sizes can hold.");
        if (raw is { } rawData)
        {
            if (rawData.Length != count * elementSize)
                throw new InvalidDataException($"{what}: raw_data has {rawData.Length} bytes, shape [{string.Join(", ", dims)}] of {type} needs {count * elementSize}.");
            return new OnnxInitializer(name, [.. dims], type, rawData, null, null);
        }
        int typed = type == OnnxDataType.Float ? floats.Count : longs.Count;
        if (typed != count)
            throw new InvalidDataException($"{what}: has {typed} typed values and no raw_data, shape [{string.Join(", ", dims)}] needs {count}.");
        return new OnnxInitializer(name, [.. dims], type, default,
            type == OnnxDataType.Float ? [.. floats] : null, type == OnnxDataType.Int64 ? [.. longs] : null);
    }
}
