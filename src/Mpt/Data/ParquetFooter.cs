namespace Mpt.Data;

/// <summary>
/// Checks the Thrift metadata of a Parquet file before Parquet.Net decodes it: the footer and the header of every page.
/// Both are Thrift compact-protocol structs (FileMetaData and PageHeader; apache/parquet-format, thrift's
/// TCompactProtocol spec) whose list, map and string sizes are claims: Parquet.Net believes them, so a corrupt count
/// (e.g. 100,000,001 schema elements in a 365-byte footer) makes it loop for minutes, and a corrupt page header's
/// statistics made it loop forever (fuzzing, docs/reliability.md). The compact protocol is self-describing, so each
/// struct can be walked without its schema: every element takes at least one byte, and a claim larger than the bytes
/// that remain is refused here, which bounds the work of the real decoder by the file's size. The footer gives each
/// column chunk's first page and byte size; its pages are walked header by header to the chunk's end.
/// </summary>
internal static class ParquetFooter
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();

    /// <summary>Deeper nesting than any Parquet schema needs; refused so a crafted footer cannot exhaust the stack.</summary>
    private const int MaxDepth = 64;

    /// <summary>Bytes read first for a page header; a larger header (long min/max statistics) is read again whole.</summary>
    private const int PageHeaderProbe = 64 * 1024;

    // Field ids (parquet.thrift): FileMetaData.row_groups, RowGroup.columns, ColumnChunk.file_path and .meta_data,
    // ColumnMetaData.total_compressed_size, .data_page_offset and .dictionary_page_offset, PageHeader.compressed_page_size.
    private const short RowGroupsField = 4, ColumnsField = 1, FilePathField = 1, MetaDataField = 3;
    private const short TotalCompressedSizeField = 7, DataPageOffsetField = 9, DictionaryPageOffsetField = 11, CompressedPageSizeField = 3;

    /// <summary>Reads and walks the footer and the page headers of <paramref name="path"/>.</summary>
    /// <exception cref="DataFormatException">No Parquet magic, a footer length that does not fit the file, a footer or
    /// page header that is not a well-formed Thrift struct, or a page that runs into the footer; the message names the
    /// file.</exception>
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
        long footerStart = length - 8 - footerLength;
        var footer = new byte[footerLength];
        file.Position = footerStart;
        file.ReadExactly(footer);
        var reader = new ThriftWalker(footer, whole: true);
        var chunks = new List<(long Start, long Size)>();
        try { reader.Struct(0, (id, type, depth) => id == RowGroupsField && type == ThriftWalker.ListType && RowGroups(reader, depth, chunks)); }
        catch (FormatException e) { throw Bad($"corrupt footer ({e.Message} at byte {reader.Position} of {footerLength})"); }

        foreach (var (start, size) in chunks)
        {
            if (start < 4 || size < 0 || start + size > footerStart)
                throw Bad($"a column chunk at byte {start} of {size} bytes lies outside the data pages (bytes 4 to {footerStart})");
            CheckPages(file, start, start + size, footerStart, Bad);
        }
    }

    /// <summary>Collects the (first page, byte size) of every column chunk of FileMetaData.row_groups.</summary>
    private static bool RowGroups(ThriftWalker reader, int depth, List<(long, long)> chunks)
    {
        reader.List(depth, (elementType, d) =>
        {
            if (elementType != ThriftWalker.StructType) return false;
            reader.Struct(d, (id, type, d2) => id == ColumnsField && type == ThriftWalker.ListType && Columns(reader, d2, chunks));
            return true;
        });
        return true;
    }

    private static bool Columns(ThriftWalker reader, int depth, List<(long, long)> chunks)
    {
        reader.List(depth, (elementType, d) =>
        {
            if (elementType != ThriftWalker.StructType) return false;
            bool external = false;
            long? size = null, dataPage = null, dictionaryPage = null;
            reader.Struct(d, (id, type, d2) =>
            {
                if (id == FilePathField) { external = true; return false; }   // data in another file: Parquet.Net does not read it either
                if (id != MetaDataField || type != ThriftWalker.StructType) return false;
                reader.Struct(d2, (field, fieldType, _) =>
                {
                    if (fieldType != ThriftWalker.I64Type) return false;
                    if (field == TotalCompressedSizeField) size = reader.ZigzagVarint();
                    else if (field == DataPageOffsetField) dataPage = reader.ZigzagVarint();
                    else if (field == DictionaryPageOffsetField) dictionaryPage = reader.ZigzagVarint();
                    else return false;
                    return true;
                });
                return true;
            });
            if (!external && size is { } s && dataPage is { } data)
                // A dictionary page, when there is one, comes first (some writers put 0 in the field when there is none).
                chunks.Add((dictionaryPage is { } dict && dict > 0 && dict < data ? dict : data, s));
            return true;
        });
        return true;
    }

    /// <summary>
    /// Walks the page headers of the chunk [start, end): each header, then its compressed_page_size bytes. A page may run
    /// past the chunk's recorded size as long as it stays before the footer (<paramref name="dataEnd"/>): Parquet.Net reads
    /// pages until it has the chunk's values, not by that size, and a file whose size field alone is off still reads.
    /// </summary>
    private static void CheckPages(FileStream file, long start, long end, long dataEnd, Func<string, DataFormatException> bad)
    {
        long position = start;
        while (position < end)
        {
            long remaining = dataEnd - position;
            int probe = (int)Math.Min(remaining, PageHeaderProbe);
            while (true)
            {
                var buffer = new byte[probe];
                file.Position = position;
                file.ReadExactly(buffer);
                var reader = new ThriftWalker(buffer, whole: probe == remaining);
                long? pageSize = null;
                try
                {
                    reader.Struct(0, (id, type, _) =>
                    {
                        if (id != CompressedPageSizeField || type != ThriftWalker.I32Type) return false;
                        pageSize = reader.ZigzagVarint();
                        return true;
                    });
                }
                catch (ThriftWalker.TruncatedException) when (probe < remaining)
                {
                    // The header is longer than the probe: read it again with everything up to the footer.
                    probe = (int)Math.Min(remaining, int.MaxValue);
                    continue;
                }
                catch (FormatException e)
                {
                    throw bad($"corrupt page header at byte {position} ({e.Message})");
                }
                if (pageSize is not { } size || size < 0 || size > remaining - reader.Position)
                    throw bad($"the page at byte {position} claims {pageSize?.ToString() ?? "no"} compressed bytes with {remaining - reader.Position} left before the footer");
                position += reader.Position + size;
                break;
            }
        }
    }

    /// <summary>
    /// A bounded walker of Thrift compact-protocol values in a byte array. Structs and lists hand their fields and
    /// elements to a visitor, which reads the ones it wants and returns false for the rest (skipped, but still checked).
    /// </summary>
    private sealed class ThriftWalker(byte[] bytes, bool whole)
    {
        public const int I32Type = 5, I64Type = 6, ListType = 9, StructType = 12;

        /// <summary>Raised when a value runs past the end of a buffer that is not the whole region (read more and retry).</summary>
        public sealed class TruncatedException() : FormatException("the buffer ends inside the value");

        /// <summary>Bytes consumed.</summary>
        public int Position { get; private set; }

        public delegate bool FieldVisitor(short id, int type, int depth);

        public delegate bool ElementVisitor(int elementType, int depth);

        public void Struct(int depth, FieldVisitor? visit)
        {
            if (depth > MaxDepth) throw new FormatException($"structs nested deeper than {MaxDepth}");
            short lastId = 0;
            while (true)
            {
                byte header = Byte();
                int type = header & 0x0F;
                if (header == 0) return;                     // STOP
                // The spec reads any type-0 header as STOP, Parquet.Net only the byte 0 (it loops on 0x10), so neither is
                // accepted as a field: a type-0 header with a field delta is refused.
                if (type == 0) throw new FormatException($"field header 0x{header:X2} has type 0 but is not STOP");
                int delta = header >> 4;
                // Short form: the id is the previous one plus the delta; long form: a zigzag varint follows.
                short id = delta == 0 ? unchecked((short)ZigzagVarint()) : unchecked((short)(lastId + delta));
                lastId = id;
                if (visit is null || !visit(id, type, depth + 1)) Skip(type, depth + 1, inCollection: false);
            }
        }

        public void List(int depth, ElementVisitor visit)
        {
            byte header = Byte();
            ulong count = (ulong)(header >> 4);
            if (count == 15) count = Varint();
            Claim(count);
            for (ulong i = 0; i < count; i++)
                if (!visit(header & 0x0F, depth + 1)) Skip(header & 0x0F, depth + 1, inCollection: true);
        }

        private void Skip(int type, int depth, bool inCollection)
        {
            if (depth > MaxDepth) throw new FormatException($"values nested deeper than {MaxDepth}");
            switch (type)
            {
                case 1 or 2: if (inCollection) Byte(); break;   // bool: in the field header, or one byte in a list
                case 3: Byte(); break;                           // byte
                case 4 or 5 or 6: Varint(); break;               // i16, i32, i64 (zigzag varints)
                case 7: Take(8); break;                          // double
                case 8: Take(Varint()); break;                   // binary / string
                case 9 or 10: List(depth, (_, _) => false); break; // list, set
                case 11:                                         // map
                {
                    ulong count = Varint();
                    if (count == 0) break;
                    byte types = Byte();
                    Claim(count);
                    Claim(count * 2);
                    for (ulong i = 0; i < count; i++)
                    {
                        Skip(types >> 4, depth + 1, inCollection: true);
                        Skip(types & 0x0F, depth + 1, inCollection: true);
                    }
                    break;
                }
                case 12: Struct(depth, null); break;            // struct
                default: throw new FormatException($"unknown Thrift type {type}");
            }
        }

        /// <summary>Every element takes at least one byte, so more elements than bytes left is a corrupt count.</summary>
        private void Claim(ulong elements)
        {
            if (elements > (ulong)(bytes.Length - Position))
                throw whole ? new FormatException($"a collection claims {elements} elements with {bytes.Length - Position} bytes left") : new TruncatedException();
        }

        private byte Byte() =>
            Position < bytes.Length ? bytes[Position++] : throw (whole ? new FormatException("unexpected end of the struct") : new TruncatedException());

        private void Take(ulong count)
        {
            if (count > (ulong)(bytes.Length - Position))
                throw whole ? new FormatException($"a value claims {count} bytes with {bytes.Length - Position} left") : new TruncatedException();
            Position += (int)count;
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                byte x = Byte();
                value |= (ulong)(x & 0x7F) << shift;
                if ((x & 0x80) == 0) return value;
            }
            throw new FormatException("a varint longer than 10 bytes");
        }

        public long ZigzagVarint()
        {
            ulong v = Varint();
            return (long)(v >> 1) ^ -(long)(v & 1);
        }
    }
}
