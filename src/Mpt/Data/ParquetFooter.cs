namespace Mpt.Data;

/// <summary>
/// Checks the footer of a Parquet file before Parquet.Net decodes it. The footer is a Thrift compact-protocol struct
/// (FileMetaData; apache/parquet-format, thrift's TCompactProtocol spec) whose list, map and string sizes are claims:
/// Parquet.Net believes them, so a corrupt count (e.g. 100,000,001 schema elements in a 365-byte footer) makes it loop
/// for minutes. The compact protocol is self-describing, so the whole footer can be walked without the schema: every
/// element takes at least one byte, and a claim larger than the bytes that remain is refused here, which bounds the work
/// of the real decoder by the footer's size.
/// </summary>
internal static class ParquetFooter
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();

    /// <summary>Deeper nesting than any Parquet schema needs; refused so a crafted footer cannot exhaust the stack.</summary>
    private const int MaxDepth = 64;

    /// <summary>Reads and walks the footer of <paramref name="path"/>.</summary>
    /// <exception cref="DataFormatException">No Parquet magic, a footer length that does not fit the file, or a footer
    /// that is not a well-formed Thrift struct; the message names the file.</exception>
    public static void Check(string path)
    {
        using var file = File.OpenRead(path);
        long length = file.Length;
        DataFormatException Bad(string what) => new(new RowLocation(path), $"not a readable Parquet file: {what}");
        if (length < 12) throw Bad($"only {length} bytes");
        var tail = new byte[8];
        file.Position = length - 8;
        file.ReadExactly(tail);
        var head = new byte[4];
        file.Position = 0;
        file.ReadExactly(head);
        if (!head.AsSpan().SequenceEqual(Magic) || !tail.AsSpan(4).SequenceEqual(Magic)) throw Bad("no PAR1 magic at both ends");
        long footerLength = BitConverter.ToUInt32(tail, 0);
        if (footerLength == 0 || footerLength > length - 12) throw Bad($"footer length {footerLength} does not fit a {length}-byte file");
        var footer = new byte[footerLength];
        file.Position = length - 8 - footerLength;
        file.ReadExactly(footer);
        int pos = 0;
        try { SkipStruct(footer, ref pos, 0); }
        catch (FormatException e) { throw Bad($"corrupt footer ({e.Message} at byte {pos} of {footerLength})"); }
    }

    private static void SkipStruct(byte[] b, ref int pos, int depth)
    {
        if (depth > MaxDepth) throw new FormatException($"structs nested deeper than {MaxDepth}");
        while (true)
        {
            byte header = Byte(b, ref pos);
            int type = header & 0x0F;
            if (header == 0) return;                     // STOP
            // The spec reads any type-0 header as STOP, Parquet.Net only the byte 0 (it loops on 0x10), so neither is
            // accepted as a field: a type-0 header with a field delta is refused.
            if (type == 0) throw new FormatException($"field header 0x{header:X2} has type 0 but is not STOP");
            if (header >> 4 == 0) Varint(b, ref pos);    // long form: the field id follows as a zigzag varint
            SkipValue(b, ref pos, type, depth, inCollection: false);
        }
    }

    private static void SkipValue(byte[] b, ref int pos, int type, int depth, bool inCollection)
    {
        switch (type)
        {
            case 1 or 2: if (inCollection) Byte(b, ref pos); break;   // bool: in the field header, or one byte in a list
            case 3: Byte(b, ref pos); break;                           // byte
            case 4 or 5 or 6: Varint(b, ref pos); break;               // i16, i32, i64 (zigzag varints)
            case 7: Take(b, ref pos, 8); break;                        // double
            case 8: Take(b, ref pos, Varint(b, ref pos)); break;       // binary / string
            case 9 or 10:                                              // list, set
            {
                byte header = Byte(b, ref pos);
                ulong count = (ulong)(header >> 4);
                if (count == 15) count = Varint(b, ref pos);
                Claim(b, pos, count);
                for (ulong i = 0; i < count; i++) SkipValue(b, ref pos, header & 0x0F, depth + 1, inCollection: true);
                break;
            }
            case 11:                                                   // map
            {
                ulong count = Varint(b, ref pos);
                if (count == 0) break;
                byte types = Byte(b, ref pos);
                Claim(b, pos, count);
                Claim(b, pos, count * 2);
                for (ulong i = 0; i < count; i++)
                {
                    SkipValue(b, ref pos, types >> 4, depth + 1, inCollection: true);
                    SkipValue(b, ref pos, types & 0x0F, depth + 1, inCollection: true);
                }
                break;
            }
            case 12: SkipStruct(b, ref pos, depth + 1); break;          // struct
            default: throw new FormatException($"unknown Thrift type {type}");
        }
    }

    /// <summary>Every element takes at least one byte, so more elements than bytes left is a corrupt count.</summary>
    private static void Claim(byte[] b, int pos, ulong elements)
    {
        if (elements > (ulong)(b.Length - pos)) throw new FormatException($"a collection claims {elements} elements with {b.Length - pos} bytes left");
    }

    private static byte Byte(byte[] b, ref int pos) =>
        pos < b.Length ? b[pos++] : throw new FormatException("unexpected end of the footer");

    private static void Take(byte[] b, ref int pos, ulong count)
    {
        if (count > (ulong)(b.Length - pos)) throw new FormatException($"a value claims {count} bytes with {b.Length - pos} left");
        pos += (int)count;
    }

    private static ulong Varint(byte[] b, ref int pos)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte x = Byte(b, ref pos);
            value |= (ulong)(x & 0x7F) << shift;
            if ((x & 0x80) == 0) return value;
        }
        throw new FormatException("a varint longer than 10 bytes");
    }
}
