namespace Mpt.Data;

/// <summary>
/// Checks the Thrift metadata of a Parquet file before Parquet.Net decodes it: the footer and the header of every page.
/// Both are Thrift compact-protocol structs (FileMetaData and PageHeader; apache/parquet-format, thrift's
/// TCompactProtocol spec) whose list, map and string sizes are claims: Parquet.Net believes them, so a corrupt count
/// (e.g. 100,000,001 schema elements in a 365-byte footer) makes it loop for minutes, and a corrupt page header's
/// statistics made it loop forever (fuzzing, docs/reliability.md). Its reader also reads past the end of its stream as
/// bytes 0xFF (a varint that never ends), and reads each known field as parquet.thrift's type whatever the field's header
/// declares, so the walk here follows that reader byte for byte (<see cref="ParquetThriftSchema"/>): a known field whose
/// header declares another type, and a claim larger than the bytes that remain, are refused, which bounds the work of the
/// real decoder by the file's size. The footer gives each column chunk's first page and byte size; its pages are walked
/// header by header to the chunk's end.
/// </summary>
internal static class ParquetFooter
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();

    /// <summary>Deeper nesting than any Parquet schema needs; refused so a crafted footer cannot exhaust the stack.</summary>
    private const int MaxDepth = 64;

    /// <summary>Bytes read first for a page header; a larger header (long min/max statistics) is read again whole.</summary>
    private const int PageHeaderProbe = 64 * 1024;

    // Field ids (parquet.thrift): FileMetaData.row_groups, RowGroup.columns, ColumnChunk.meta_data,
    // ColumnMetaData.num_values, .total_compressed_size, .data_page_offset, .index_page_offset and .dictionary_page_offset,
    // PageHeader.compressed_page_size.
    private const short RowGroupsField = 4, ColumnsField = 1, MetaDataField = 3;
    private const short NumValuesField = 5, TotalCompressedSizeField = 7, DataPageOffsetField = 9, IndexPageOffsetField = 10;
    private const short DictionaryPageOffsetField = 11, CompressedPageSizeField = 3;

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
        var chunks = new List<Chunk>();
        try { reader.Struct(ParquetThriftSchema.FileMetaData, 0, (id, field, depth) => id == RowGroupsField && RowGroups(reader, field, depth, chunks)); }
        catch (FormatException e) { throw Bad($"corrupt footer ({e.Message} at byte {reader.Position} of {footerLength})"); }

        foreach (var (start, size, readsPages) in chunks)
        {
            if (start < 4 || size < 0 || start + size > footerStart)
                throw Bad($"a column chunk at byte {start} of {size} bytes lies outside the data pages (bytes 4 to {footerStart})");
            CheckPages(file, start, start + size, readsPages, footerStart, Bad);
        }
    }

    /// <summary>Collects the first page and byte size of every column chunk of FileMetaData.row_groups.</summary>
    private static bool RowGroups(ThriftWalker reader, ThriftField rowGroups, int depth, List<Chunk> chunks)
    {
        reader.List(rowGroups, depth, d =>
            reader.Struct(ParquetThriftSchema.RowGroup, d, (id, columns, d2) => id == ColumnsField && Columns(reader, columns, d2, chunks)));
        return true;
    }

    /// <summary>A column chunk's first page, its recorded byte size, and whether Parquet.Net reads a page of it at all.</summary>
    private readonly record struct Chunk(long Start, long Size, bool ReadsPages);

    private static bool Columns(ThriftWalker reader, ThriftField columns, int depth, List<Chunk> chunks)
    {
        reader.List(columns, depth, d =>
        {
            long numValues = 0, size = 0, dataPage = 0, indexPage = 0, dictionaryPage = 0;
            reader.Struct(ParquetThriftSchema.ColumnChunk, d, (id, _, d2) =>
            {
                if (id != MetaDataField) return false;
                numValues = size = dataPage = indexPage = dictionaryPage = 0;   // a repeated meta_data replaces the first
                reader.Struct(ParquetThriftSchema.ColumnMetaData, d2, (field, _, _) =>
                {
                    if (field == NumValuesField) numValues = reader.I64();
                    else if (field == TotalCompressedSizeField) size = reader.I64();
                    else if (field == DataPageOffsetField) dataPage = reader.I64();
                    else if (field == IndexPageOffsetField) indexPage = reader.I64();
                    else if (field == DictionaryPageOffsetField) dictionaryPage = reader.I64();
                    else return false;
                    return true;
                });
                return true;
            });
            // Parquet.Net starts at the smallest of the three page offsets that is not 0 (a missing one reads as 0; some
            // writers put 0 for "none"), and reads pages while it has fewer values than (int)num_values, whatever the
            // chunk's recorded size: so the first page is read (and walked here) even when that size is missing or 0.
            long[] offsets = [.. new[] { dictionaryPage, dataPage, indexPage }.Where(o => o != 0)];
            // A file_path (the chunk's data in another file) changes nothing: Parquet.Net ignores it and reads this file.
            if (offsets.Length > 0)
                chunks.Add(new Chunk(offsets.Min(), size, unchecked((int)numValues) > 0));
        });
        return true;
    }

    /// <summary>
    /// Walks the page headers of the chunk [start, end): each header, then its compressed_page_size bytes. A page may run
    /// past the chunk's recorded size as long as it stays before the footer (<paramref name="dataEnd"/>): Parquet.Net reads
    /// pages until it has the chunk's values, not by that size, and a file whose size field alone is off still reads.
    /// </summary>
    private static void CheckPages(FileStream file, long start, long end, bool readsPages, long dataEnd, Func<string, DataFormatException> bad)
    {
        long position = start;
        while (position < end || (position == start && readsPages))
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
                    reader.Struct(ParquetThriftSchema.PageHeader, 0, (id, _, _) =>
                    {
                        if (id != CompressedPageSizeField) return false;
                        pageSize = reader.I32();
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
    /// A bounded walker of Thrift compact-protocol values in a byte array that consumes exactly the bytes Parquet.Net
    /// 6.1.0's reader (Parquet.Meta.Proto.ThriftCompactProtocolReader and the generated Parquet.Meta readers) consumes, so
    /// every size that reader believes is checked here first. A known field is read as parquet.thrift's type
    /// (<see cref="ParquetThriftSchema"/>) and its header must declare that type; an unknown one is skipped as that
    /// reader's SkipField skips it. Known fields are handed to a visitor, which reads the ones it wants and returns false
    /// for the rest (walked by the schema).
    /// </summary>
    private sealed class ThriftWalker(byte[] bytes, bool whole)
    {
        /// <summary>Raised when a value runs past the end of a buffer that is not the whole region (read more and retry).</summary>
        public sealed class TruncatedException() : FormatException("the buffer ends inside the value");

        /// <summary>Bytes consumed.</summary>
        public int Position { get; private set; }

        public delegate bool FieldVisitor(short id, ThriftField field, int depth);

        public delegate void ElementVisitor(int depth);

        public void Struct(ThriftStruct schema, int depth, FieldVisitor? visit)
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
                short id = delta == 0 ? unchecked((short)I32()) : unchecked((short)(lastId + delta));
                lastId = id;
                if (schema.Field(id) is not { } field)
                {
                    Skip(type, depth + 1);
                    continue;
                }
                // Parquet.Net reads a known field as parquet.thrift's type whatever the header says: a header that says
                // bool where the field is a list would make it read a list header from the next field's bytes.
                if (!field.Declares(type))
                    throw new FormatException($"{schema.Name} field {id} is declared {ThriftTypes.Name(type)} where parquet.thrift has {field}");
                if (visit is null || !visit(id, field, depth + 1)) Value(field, depth + 1, inList: false);
            }
        }

        /// <summary>Walks a known list: its header must declare the element type the field has.</summary>
        public void List(ThriftField field, int depth, ElementVisitor? visit)
        {
            byte header = Byte();
            uint count = (uint)(header >> 4);
            if (count == 15) count = Varint32();
            var element = field.ElementField;
            if (!element.Declares(header & 0x0F))
                throw new FormatException($"a list of {ThriftTypes.Name(header & 0x0F)} where parquet.thrift has {field}");
            Claim(count);
            for (uint i = 0; i < count; i++)
                if (visit is null) Value(element, depth + 1, inList: true);
                else visit(depth + 1);
        }

        /// <summary>A known value, read as Parquet.Net reads it.</summary>
        private void Value(ThriftField field, int depth, bool inList)
        {
            if (depth > MaxDepth) throw new FormatException($"values nested deeper than {MaxDepth}");
            switch (field.Type)
            {
                case ThriftType.Bool: if (inList) Byte(); break;   // a field's value sits in its header; ReadBool reads a byte
                case ThriftType.I8: Byte(); break;
                case ThriftType.I16 or ThriftType.I32: Varint32(); break;
                case ThriftType.I64: Varint64(); break;
                case ThriftType.F64: Take(8); break;
                case ThriftType.Binary: Take(Varint32()); break;
                case ThriftType.List: List(field, depth, null); break;
                case ThriftType.Struct: Struct(field.Struct!, depth, null); break;
                default: throw new InvalidOperationException($"no reader for {field}");
            }
        }

        /// <summary>
        /// Skips an unknown field as Parquet.Net's SkipField does, which is not quite the compact protocol: a bool takes no
        /// byte even as a list element, a struct is skipped by reading field headers up to a 0 byte without their values,
        /// and set, map or any other type is an error.
        /// </summary>
        private void Skip(int type, int depth)
        {
            if (depth > MaxDepth) throw new FormatException($"values nested deeper than {MaxDepth}");
            switch (type)
            {
                case 1 or 2: break;                              // bool
                case 3: Byte(); break;                           // byte
                case 4 or 5: Varint32(); break;                  // i16, i32
                case 6: Varint64(); break;                       // i64
                case 7: Take(8); break;                          // double
                case 8: Take(Varint32()); break;                 // binary / string
                case 9:                                          // list
                {
                    byte header = Byte();
                    uint count = (uint)(header >> 4);
                    if (count == 15) count = Varint32();
                    Claim(count);
                    for (uint i = 0; i < count; i++) Skip(header & 0x0F, depth + 1);
                    break;
                }
                case 12:                                         // struct: headers only, as Parquet.Net skips it
                    while (Byte() is var fieldHeader && fieldHeader != 0)
                        if (fieldHeader >> 4 == 0) Varint32();   // long form: the field id follows
                    break;
                default: throw new FormatException($"an unknown field of Thrift {ThriftTypes.Name(type)}, which Parquet.Net cannot skip");
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

        /// <summary>
        /// An i16, i32 or size varint. Parquet.Net reads it into 32 bits with a shift that wraps past 32 (so a sixth byte
        /// lands in the low bits) and without a length limit; a varint of more than 5 bytes or over 32 bits means another
        /// number to it than to the compact protocol and is refused, so the number here is the one Parquet.Net uses.
        /// </summary>
        private uint Varint32()
        {
            uint value = 0;
            for (int shift = 0; shift < 28; shift += 7)
            {
                byte x = Byte();
                value |= (uint)(x & 0x7F) << shift;
                if ((x & 0x80) == 0) return value;
            }
            byte last = Byte();
            if (last > 0x0F) throw new FormatException("a 32-bit varint longer than 5 bytes or over 32 bits");
            return value | (uint)last << 28;
        }

        /// <summary>An i64 varint: at most 10 bytes, where Parquet.Net's 64-bit shift has not yet wrapped.</summary>
        private ulong Varint64()
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

        public int I32()
        {
            uint v = Varint32();
            return (int)(v >> 1) ^ -(int)(v & 1);
        }

        public long I64()
        {
            ulong v = Varint64();
            return (long)(v >> 1) ^ -(long)(v & 1);
        }
    }
}
