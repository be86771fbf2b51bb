namespace Mpt.Encoder;

/// <summary>
/// The protobuf wire format (https://protobuf.dev/programming-guides/encoding/) as far as an ONNX model needs it:
/// varints, 64-bit, length-delimited and 32-bit fields. Positions are absolute offsets into one buffer, so an
/// initializer's raw bytes can be sliced out without copying. Malformed input fails with
/// <see cref="InvalidDataException"/> naming the file and the byte offset.
/// </summary>
internal struct OnnxWireReader
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;

    private readonly byte[] _buffer;
    private readonly int _end;
    private readonly string _source;
    private int _position;

    public OnnxWireReader(byte[] buffer, int start, int length, string source)
    {
        _buffer = buffer;
        _position = start;
        _end = start + length;
        _source = source;
    }

    public readonly bool HasMore => _position < _end;

    public (int Field, int WireType) ReadTag()
    {
        ulong key = ReadVarint();
        int field = (int)(key >> 3);
        if (field <= 0) throw Corrupt($"invalid field number {field}");
        return (field, (int)(key & 7));
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _end) throw Corrupt("truncated varint");
            byte b = _buffer[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw Corrupt("varint longer than 10 bytes");
    }

    /// <summary>An <c>int64</c> field (two's complement in a 10-byte varint when negative).</summary>
    public long ReadInt64() => unchecked((long)ReadVarint());

    /// <summary>A length-delimited field as (absolute start, length).</summary>
    public (int Start, int Length) ReadLengthDelimited()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_end - _position)) throw Corrupt($"length-delimited field of {length} bytes overruns its message");
        int start = _position;
        _position += (int)length;
        return (start, (int)length);
    }

    public string ReadString()
    {
        var (start, length) = ReadLengthDelimited();
        return System.Text.Encoding.UTF8.GetString(_buffer, start, length);
    }

    /// <summary>A reader over an embedded message.</summary>
    public OnnxWireReader ReadMessage()
    {
        var (start, length) = ReadLengthDelimited();
        return new OnnxWireReader(_buffer, start, length, _source);
    }

    /// <summary>Reads a repeated <c>int64</c> field occurrence, packed (wire type 2) or not (wire type 0).</summary>
    public void ReadInt64s(int wireType, List<long> into)
    {
        if (wireType == Varint) { into.Add(ReadInt64()); return; }
        if (wireType != LengthDelimited) throw Corrupt($"repeated int64 field with wire type {wireType}");
        var packed = ReadMessage();
        while (packed.HasMore) into.Add(packed.ReadInt64());
    }

    /// <summary>Reads a repeated <c>float</c> field occurrence, packed (wire type 2) or not (wire type 5).</summary>
    public void ReadFloats(int wireType, List<float> into)
    {
        if (wireType == Fixed32)
        {
            Need(4);
            into.Add(BitConverter.ToSingle(_buffer, _position));
            _position += 4;
            return;
        }
        if (wireType != LengthDelimited) throw Corrupt($"repeated float field with wire type {wireType}");
        var (start, length) = ReadLengthDelimited();
        if (length % 4 != 0) throw Corrupt($"packed float field of {length} bytes is not a multiple of 4");
        for (int i = 0; i < length; i += 4) into.Add(BitConverter.ToSingle(_buffer, start + i));
    }

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint: ReadVarint(); break;
            case Fixed64: Need(8); _position += 8; break;
            case LengthDelimited: ReadLengthDelimited(); break;
            case Fixed32: Need(4); _position += 4; break;
            default: throw Corrupt($"unsupported wire type {wireType}");
        }
    }

    /// <summary>Fails unless the field has the expected wire type.</summary>
    public readonly void Expect(int field, int wireType, int expected, string what)
    {
        if (wireType != expected) throw Corrupt($"{what} (field {field}) has wire type {wireType}, expected {expected}");
    }

    private readonly void Need(int count)
    {
        if (_end - _position < count) throw Corrupt("truncated fixed-size field");
    }

    public readonly InvalidDataException Corrupt(string what) =>
        new($"{_source}: not a valid ONNX model (protobuf error at byte {_position}: {what}).");
}
