namespace Mpt.Tokenization;

/// <summary>
/// A minimal reader of the protobuf wire format (varint, 64-bit, length-delimited and 32-bit fields), enough to read a
/// SentencePiece <c>ModelProto</c> without generated code. Every malformed input fails with
/// <see cref="InvalidDataException"/> naming the source and the byte offset.
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
    private int _position;

    /// <summary>Reads <paramref name="length"/> bytes of <paramref name="buffer"/> from <paramref name="start"/>.</summary>
    public ProtobufWireReader(byte[] buffer, int start, int length, string source)
    {
        _buffer = buffer;
        _position = start;
        _end = start + length;
        _source = source;
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
        new($"{_source}: not a valid SentencePiece model (protobuf error at byte {_position}: {what}).");
}
