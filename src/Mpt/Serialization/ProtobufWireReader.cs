namespace Mpt.Serialization;

/// <summary>
/// A minimal reader of the protobuf wire format (https://protobuf.dev/programming-guides/encoding/: varint, 64-bit,
/// length-delimited and 32-bit fields), enough to read a SentencePiece <c>ModelProto</c> and an ONNX <c>ModelProto</c>
/// without generated code. Positions are absolute offsets into one buffer, so large byte fields (ONNX raw_data) can be
/// sliced out without copying. Every malformed input fails with <see cref="InvalidDataException"/> naming the source,
/// what it should have been, and the byte offset.
/// </summary>
internal struct ProtobufWireReader
{
    /// <summary>Wire type of a varint field.</summary>
    public const int Varint = 0;
    /// <summary>Wire type of a 64-bit field.</summary>
    public const int Fixed64 = 1;
    /// <summary>Wire type of a length-delimited field (strings, bytes, embedded messages).</summary>
    public const int LengthDelimited = 2;
    /// <summary>Wire type of a 32-bit field (float, fixed32).</summary>
    public const int Fixed32 = 5;

    private readonly byte[] _buffer;
    private readonly int _end;
    private readonly string _source;
    private readonly string _format;
    private int _position;

    /// <summary>Reads <paramref name="length"/> bytes of <paramref name="buffer"/> from <paramref name="start"/>.</summary>
    /// <param name="buffer">The whole file.</param>
    /// <param name="start">Offset of the message.</param>
    /// <param name="length">Length of the message.</param>
    /// <param name="source">The file, for error messages.</param>
    /// <param name="format">What the file should be (e.g. "SentencePiece model"), for error messages.</param>
    public ProtobufWireReader(byte[] buffer, int start, int length, string source, string format)
    {
        _buffer = buffer;
        _position = start;
        _end = start + length;
        _source = source;
        _format = format;
    }

    /// <summary>Current absolute offset in the buffer.</summary>
    public readonly int Position => _position;

    /// <summary>True while fields remain.</summary>
    public readonly bool HasMore => _position < _end;

    /// <summary>Reads a field key: its number and wire type.</summary>
    public (int Field, int WireType) ReadTag()
    {
        ulong key = ReadVarint();
        int field = (int)(key >> 3);
        if (field <= 0) throw Corrupt($"invalid field number {field}");
        return (field, (int)(key & 7));
    }

    /// <summary>Reads a base-128 varint (at most 10 bytes).</summary>
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

    /// <summary>Reads an <c>int32</c> field (negative values are sign-extended 10-byte varints).</summary>
    public int ReadInt32() => unchecked((int)ReadVarint());

    /// <summary>Reads a <c>bool</c> field.</summary>
    public bool ReadBool() => ReadVarint() != 0;

    /// <summary>Reads a little-endian 32-bit float.</summary>
    public float ReadFloat()
    {
        if (_end - _position < 4) throw Corrupt("truncated 32-bit field");
        float value = BitConverter.ToSingle(_buffer, _position);
        _position += 4;
        return value;
    }

    /// <summary>Reads a length-delimited field and returns its (absolute start, length) in the buffer.</summary>
    public (int Start, int Length) ReadLengthDelimited()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_end - _position)) throw Corrupt($"length-delimited field of {length} bytes overruns its message");
        int start = _position;
        _position += (int)length;
        return (start, (int)length);
    }

    /// <summary>Reads a length-delimited field as UTF-8 text.</summary>
    public string ReadString()
    {
        var (start, length) = ReadLengthDelimited();
        return System.Text.Encoding.UTF8.GetString(_buffer, start, length);
    }

    /// <summary>Reads a length-delimited field as a copy of its bytes.</summary>
    /// <summary>An <c>int64</c> field (two's complement in a 10-byte varint when negative).</summary>
    public long ReadInt64() => unchecked((long)ReadVarint());

    /// <summary>A reader over an embedded message.</summary>
    public ProtobufWireReader ReadMessage()
    {
        var (start, length) = ReadLengthDelimited();
        return new ProtobufWireReader(_buffer, start, length, _source, _format);
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
        if (wireType == Fixed32) { into.Add(ReadFloat()); return; }
        if (wireType != LengthDelimited) throw Corrupt($"repeated float field with wire type {wireType}");
        var (start, length) = ReadLengthDelimited();
        if (length % 4 != 0) throw Corrupt($"packed float field of {length} bytes is not a multiple of 4");
        for (int i = 0; i < length; i += 4) into.Add(BitConverter.ToSingle(_buffer, start + i));
    }

    /// <summary>Fails unless the field has the expected wire type.</summary>
    public readonly void Expect(int field, int wireType, int expected, string what)
    {
        if (wireType != expected) throw Corrupt($"{what} (field {field}) has wire type {wireType}, expected {expected}");
    }

    /// <summary>A length-delimited bytes field, copied.</summary>
    public byte[] ReadBytes()
    {
        var (start, length) = ReadLengthDelimited();
        return _buffer.AsSpan(start, length).ToArray();
    }

    /// <summary>Skips a field of the given wire type.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint: ReadVarint(); break;
            case Fixed64: Advance(8); break;
            case LengthDelimited: ReadLengthDelimited(); break;
            case Fixed32: Advance(4); break;
            default: throw Corrupt($"unsupported wire type {wireType}");
        }
    }

    private void Advance(int count)
    {
        if (_end - _position < count) throw Corrupt("truncated fixed-size field");
        _position += count;
    }

    /// <summary>An exception that names the source and the offset of a malformed field.</summary>
    public readonly InvalidDataException Corrupt(string what) =>
        new($"{_source}: not a valid {_format} (protobuf error at byte {_position}: {what}).");
}
