using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Mpt.Training;

/// <summary>
/// Rows kept in one append-only file, read back through a memory map, with only an index (a 128-bit key hash and a file
/// offset per row, ≈ 40 B) in RAM: the teacher-output cache of full-size source mixtures (issue 17 item 6). The file
/// survives the process: a resumed or restarted run reopens it and keeps every row already computed.
/// </summary>
/// <remarks>
/// <para>File layout (little-endian): the magic <c>MPTTCACHE1\n</c>; the description's length (i32) and the
/// description (UTF-8: what the rows are, incl. the teachers' fingerprint); the committed length (i64) and row count
/// (i64); then the records. A record is <c>TROW</c>, the payload length (i32), the key's length in longs (i32), the
/// key hash (16 bytes, the first half of SHA-256 of the key), the key (i64 each), the payload
/// (<see cref="TeacherRowCodec"/>) and a checksum (the first 8 bytes of SHA-256 over key and payload).</para>
/// <para>Why it cannot serve garbage: a batch of records is written and flushed before the committed length in the
/// header moves past it, so bytes past the committed length are an append the process did not finish (dropped on
/// reopen) and a file shorter than its committed length was truncated (refused). Reopening walks the record headers
/// (refusing a broken chain or a count that disagrees with the header); every read checks the magic, the full key and
/// the checksum before a value is decoded. A file made for other rows (another description) is refused, never
/// mixed. Every refusal names the file and says to delete it (the cache is rebuilt from the teachers).</para>
/// <para>RAM: each read maps just its record and unmaps it after decoding, so the resident set does not grow with the
/// file; the kernel's page cache holds recently read pages as reclaimable memory.</para>
/// </remarks>
internal sealed class DiskTeacherRowStore : ITeacherRowStore
{
    private static readonly byte[] FileMagic = "MPTTCACHE1\n"u8.ToArray();
    private const uint RecordMagic = 0x574F5254; // "TROW" little-endian
    private const int RecordHeaderBytes = 4 + 4 + 4 + 16;
    private const int ChecksumBytes = 8;
    /// <summary>RAM per index entry: key and value of the dictionary plus its bucket and chaining overhead.</summary>
    private const int IndexEntryBytes = 16 + 8 + 16;

    private readonly FileStream _file;
    private readonly Dictionary<UInt128, long> _index = new();
    private readonly long _commitField;
    private readonly bool _deleteOnDispose;
    private long _committed;
    private MemoryMappedFile? _map;
    private long _mapped;

    /// <summary>Opens <paramref name="path"/> (creating it when absent) for rows described by <paramref name="description"/>.</summary>
    /// <exception cref="InvalidDataException">The file is damaged, truncated, or holds rows of another description.</exception>
    /// <exception cref="IOException">The file cannot be opened (e.g. another run has it open).</exception>
    public DiskTeacherRowStore(string path, string description, bool deleteOnDispose = false)
    {
        Path = path;
        _deleteOnDispose = deleteOnDispose;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        try
        {
            _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        }
        catch (IOException e)
        {
            throw new IOException($"{path}: cannot open the teacher-output cache ({e.Message}); is another run using it?", e);
        }
        var descriptionBytes = Encoding.UTF8.GetBytes(description);
        _commitField = FileMagic.Length + 4 + descriptionBytes.Length;
        try
        {
            if (_file.Length == 0) Create(descriptionBytes);
            else Reopen(description, descriptionBytes.Length);
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    public int Count => _index.Count;

    public long ValueBytes => _committed - DataStart;

    public long KeyBytes => (long)_index.Count * IndexEntryBytes;

    public bool OnDisk => true;

    private long DataStart => _commitField + 16;

    public bool Contains(TeacherCacheKey key) => _index.ContainsKey(Hash(key));

    public void Add(IReadOnlyList<(TeacherCacheKey Key, TeacherRow Row)> rows)
    {
        if (rows.Count == 0) return;
        long end = _committed;
        var added = new List<(UInt128, long)>(rows.Count);
        _file.Position = end;
        foreach (var (key, row) in rows)
        {
            var record = Record(key, TeacherRowCodec.Encode(row));
            _file.Write(record);
            added.Add((Hash(key), end));
            end += record.Length;
        }
        // The rows first, then the commit that makes them part of the file (see the remarks).
        _file.Flush();
        WriteCommit(end, _index.Count + added.Count);
        _committed = end;
        foreach (var (hash, offset) in added) _index.Add(hash, offset);
    }

    public TeacherRow Get(TeacherCacheKey key)
    {
        long offset = _index[Hash(key)];
        if (_map is null || _mapped < _committed)
        {
            _map?.Dispose();
            _map = MemoryMappedFile.CreateFromFile(_file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            _mapped = _committed;
        }
        var header = new byte[RecordHeaderBytes];
        ReadAt(offset, header);
        var (payloadBytes, keyLongs) = ParseHeader(header, offset);
        long length = RecordHeaderBytes + 8L * keyLongs + payloadBytes + ChecksumBytes;
        using var view = _map.CreateViewAccessor(offset, length, MemoryMappedFileAccess.Read);
        unsafe
        {
            byte* start = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            try
            {
                var record = new ReadOnlySpan<byte>(start + view.PointerOffset, checked((int)length));
                var keyBytes = record.Slice(RecordHeaderBytes, 8 * keyLongs);
                var payload = record.Slice(RecordHeaderBytes + 8 * keyLongs, payloadBytes);
                if (!keyBytes.SequenceEqual(MemoryMarshal.AsBytes(key.Content)))
                    throw Damaged($"the record at byte {offset} belongs to another example (a key-hash collision or a damaged record)");
                if (!record[^ChecksumBytes..].SequenceEqual(Checksum(keyBytes, payload)))
                    throw Damaged($"the record at byte {offset} fails its checksum");
                try
                {
                    return TeacherRowCodec.Decode(payload);
                }
                catch (InvalidDataException e)
                {
                    throw Damaged($"the record at byte {offset} is malformed ({e.Message})");
                }
            }
            finally
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
            }
        }
    }

    public void Dispose()
    {
        _map?.Dispose();
        _file.Dispose();
        if (_deleteOnDispose) File.Delete(Path);
    }

    private void Create(byte[] description)
    {
        var header = new byte[DataStart];
        FileMagic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(FileMagic.Length), description.Length);
        description.CopyTo(header, FileMagic.Length + 4);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan((int)_commitField), DataStart);
        _file.Write(header);
        _file.Flush();
        _committed = DataStart;
    }

    private void Reopen(string description, int descriptionLength)
    {
        var magic = new byte[FileMagic.Length + 4];
        if (_file.Length < magic.Length) throw Damaged("the file is shorter than its header");
        ReadAt(0, magic);
        if (!magic.AsSpan(0, FileMagic.Length).SequenceEqual(FileMagic)) throw Damaged("it is not a teacher-output cache (wrong magic)");
        int storedLength = BinaryPrimitives.ReadInt32LittleEndian(magic.AsSpan(FileMagic.Length));
        if (storedLength < 0 || FileMagic.Length + 4L + storedLength + 16 > _file.Length) throw Damaged("the header is truncated");
        var stored = new byte[storedLength];
        ReadAt(FileMagic.Length + 4, stored);
        string storedDescription = Encoding.UTF8.GetString(stored);
        if (storedLength != descriptionLength || storedDescription != description)
            throw new InvalidDataException($"{Path}: the teacher-output cache holds other rows than this run needs; delete the file to rebuild it.\nstored: {storedDescription}\nneeded: {description}");
        var commit = new byte[16];
        ReadAt(_commitField, commit);
        long committed = BinaryPrimitives.ReadInt64LittleEndian(commit), count = BinaryPrimitives.ReadInt64LittleEndian(commit.AsSpan(8));
        if (committed < DataStart || count < 0) throw Damaged("the header's committed length or row count is invalid");
        if (_file.Length < committed) throw Damaged($"the file is truncated: {_file.Length} bytes, {committed} committed");
        // An append the process did not finish: never committed, so never read; cut it off.
        if (_file.Length > committed) _file.SetLength(committed);

        var header = new byte[RecordHeaderBytes];
        long offset = DataStart;
        while (offset < committed)
        {
            if (committed - offset < RecordHeaderBytes) throw Damaged($"a record header at byte {offset} runs past the committed length");
            ReadAt(offset, header);
            var (payloadBytes, keyLongs) = ParseHeader(header, offset);
            long length = RecordHeaderBytes + 8L * keyLongs + payloadBytes + ChecksumBytes;
            if (offset + length > committed) throw Damaged($"the record at byte {offset} runs past the committed length");
            var hash = BinaryPrimitives.ReadUInt128LittleEndian(header.AsSpan(12));
            if (!_index.TryAdd(hash, offset)) throw Damaged($"the record at byte {offset} repeats an earlier key");
            offset += length;
        }
        if (_index.Count != count) throw Damaged($"the header counts {count} rows but the file holds {_index.Count}");
        _committed = committed;
    }

    private (int PayloadBytes, int KeyLongs) ParseHeader(ReadOnlySpan<byte> header, long offset)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != RecordMagic) throw Damaged($"no record starts at byte {offset}");
        int payloadBytes = BinaryPrimitives.ReadInt32LittleEndian(header[4..]), keyLongs = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (payloadBytes < 0 || keyLongs < 0 || keyLongs > int.MaxValue / 16) throw Damaged($"the record at byte {offset} has invalid lengths");
        return (payloadBytes, keyLongs);
    }

    private static byte[] Record(TeacherCacheKey key, byte[] payload)
    {
        var keyBytes = MemoryMarshal.AsBytes(key.Content);
        var record = new byte[RecordHeaderBytes + keyBytes.Length + payload.Length + ChecksumBytes];
        var span = record.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, RecordMagic);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], payload.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], key.Content.Length);
        BinaryPrimitives.WriteUInt128LittleEndian(span[12..], Hash(key));
        keyBytes.CopyTo(span[RecordHeaderBytes..]);
        payload.CopyTo(span[(RecordHeaderBytes + keyBytes.Length)..]);
        Checksum(keyBytes, payload).CopyTo(span[^ChecksumBytes..]);
        return record;
    }

    private void WriteCommit(long committed, long count)
    {
        var commit = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(commit, committed);
        BinaryPrimitives.WriteInt64LittleEndian(commit.AsSpan(8), count);
        _file.Position = _commitField;
        _file.Write(commit);
        _file.Flush();
    }

    private void ReadAt(long offset, Span<byte> buffer)
    {
        if (RandomAccess.Read(_file.SafeFileHandle, buffer, offset) != buffer.Length)
            throw Damaged($"the file ends inside the {buffer.Length} bytes at byte {offset}");
    }

    private static UInt128 Hash(TeacherCacheKey key) =>
        BinaryPrimitives.ReadUInt128LittleEndian(SHA256.HashData(MemoryMarshal.AsBytes(key.Content)));

    private static byte[] Checksum(ReadOnlySpan<byte> key, ReadOnlySpan<byte> payload)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(key);
        sha.AppendData(payload);
        return sha.GetHashAndReset()[..ChecksumBytes];
    }

    private InvalidDataException Damaged(string what) =>
        new($"{Path}: the teacher-output cache is damaged: {what}; delete the file to rebuild it.");
}
