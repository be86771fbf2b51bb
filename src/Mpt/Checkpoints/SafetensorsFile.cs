using Mpt.Serialization;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Checkpoints;

/// <summary>
/// Reader and writer for the safetensors format (huggingface/safetensors): a u64 little-endian header length N, N bytes
/// of UTF-8 JSON <c>{"__metadata__": {...}, name: {"dtype", "shape", "data_offsets": [begin, end]}}</c>, then the raw
/// little-endian tensor bytes, offsets relative to the first data byte.
/// </summary>
/// <remarks>
/// Tensor bytes are read with positional reads straight into the memory libtorch allocated for the tensor
/// (<c>Tensor.bytes</c> is a span over native memory), so no managed buffer per tensor is allocated and the file is not
/// kept mapped: peak memory is the state dict itself. A span is limited to 2^31-1 bytes, so larger tensors are read and
/// written in slices of a flat view.
/// </remarks>
public static class SafetensorsFile
{
    /// <summary>
    /// Largest header the reference implementation accepts (safetensors <c>MAX_HEADER_SIZE</c>, 100 MB). A larger
    /// length is a corrupt file, and refusing it avoids allocating gigabytes for a garbage length.
    /// </summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>Bytes copied per read or write call: 1 GiB, well below the 2 GiB span limit.</summary>
    internal const long DefaultChunkBytes = 1L << 30;

    /// <summary>Reads every tensor of a safetensors file onto the CPU in its stored dtype.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is truncated or its header is malformed.</exception>
    public static Dictionary<string, Tensor> Read(string path) => Read(path, static _ => true, null, DefaultChunkBytes);

    /// <summary>
    /// Reads the tensors whose names <paramref name="keep"/> accepts; the bytes of the others are never read. The whole
    /// header is still validated.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is truncated or its header is malformed.</exception>
    public static Dictionary<string, Tensor> Read(string path, Func<string, bool> keep) => Read(path, keep, null, DefaultChunkBytes);

    /// <summary>
    /// Same as <see cref="Read(string, Func{string, bool})"/>, with floating tensors (F64/F32/F16/BF16) converted to
    /// <paramref name="floatTarget"/> when it is given, and an explicit slice size (tests force slicing).
    /// </summary>
    /// <remarks>
    /// A tensor to convert is read into one reused staging buffer and copied (converting) into a tensor allocated
    /// directly in the target dtype. Allocating the stored copy per tensor and freeing it after the conversion would
    /// leave half-sized holes between the converted tensors that the allocator cannot return to the system: measured on
    /// a t5-base BF16 file read as F32, peak RSS was 185 MB above the state dict; with the staging buffer it is about
    /// the size of the largest tensor above it.
    /// </remarks>
    internal static Dictionary<string, Tensor> Read(string path, Func<string, bool> keep, ScalarType? floatTarget, long chunkBytes)
    {
        ArgumentNullException.ThrowIfNull(keep);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: safetensors file not found.", path);
        // Sequential: save_pretrained lists tensors sorted by name and lays the data out in that order, so reading in
        // header order walks the file front to back and the kernel's read-ahead helps on a cold cache.
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var header = ReadHeader(handle, path);
        long dataStart = 8 + header.HeaderLength;
        bool Converts(Entry e) => floatTarget is { } target && e.DType != target && IsFloating(e.DType);
        var wanted = header.Entries.Where(e => keep(e.Name)).ToList();
        // One staging buffer per stored dtype that needs converting, as large as the largest such tensor.
        var staging = wanted.Where(Converts).GroupBy(e => e.DType)
            .ToDictionary(g => g.Key, g => torch.empty(g.Max(e => (e.End - e.Begin) / ElementSize(e.DType)), g.Key));
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in wanted)
            {
                long byteCount = entry.End - entry.Begin;
                if (!Converts(entry))
                {
                    var tensor = torch.empty(entry.Shape, entry.DType);
                    result[entry.Name] = tensor;
                    CopyFromFile(handle, dataStart + entry.Begin, tensor, byteCount, chunkBytes, path, entry.Name);
                    continue;
                }
                long count = byteCount / ElementSize(entry.DType);
                using var flat = staging[entry.DType].narrow(0, 0, count);
                using var stored = flat.view(entry.Shape);
                CopyFromFile(handle, dataStart + entry.Begin, stored, byteCount, chunkBytes, path, entry.Name);
                var converted = torch.empty(entry.Shape, floatTarget!.Value);
                result[entry.Name] = converted;
                converted.copy_(stored);
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in staging.Values) t.Dispose();
        }
        return result;
    }

    /// <summary>True for the floating dtypes safetensors stores (F64, F32, F16, BF16).</summary>
    internal static bool IsFloating(ScalarType type) =>
        type is ScalarType.Float64 or ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16;

    /// <summary>One tensor's entry in a safetensors header.</summary>
    public sealed record Entry(string Name, ScalarType DType, long[] Shape, long Begin, long End);

    /// <summary>A parsed safetensors header.</summary>
    public sealed record Header(long HeaderLength, IReadOnlyList<Entry> Entries, IReadOnlyDictionary<string, string> Metadata);

    /// <summary>Parses and validates the header of a safetensors file without reading any tensor data.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The header is malformed or does not fit the file.</exception>
    public static Header ReadHeader(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: safetensors file not found.", path);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ReadHeader(handle, path);
    }

    /// <summary>Parses and validates the header of an open safetensors stream.</summary>
    /// <exception cref="InvalidDataException">The header is malformed or does not fit the stream.</exception>
    public static Header ReadHeader(Stream stream, string path)
    {
        long fileLength = stream.Length;
        var lengthBytes = new byte[8];
        stream.Position = 0;
        int got = stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false);
        long headerLength = CheckHeaderLength(lengthBytes.AsSpan(0, got), fileLength, path);
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        return ParseHeader(json, headerLength, fileLength, path);
    }

    private static Header ReadHeader(SafeFileHandle handle, string path)
    {
        long fileLength = RandomAccess.GetLength(handle);
        var lengthBytes = new byte[8];
        int got = ReadAtMost(handle, lengthBytes, 0);
        long headerLength = CheckHeaderLength(lengthBytes.AsSpan(0, got), fileLength, path);
        var json = new byte[headerLength];
        ReadExactly(handle, json, 8, path, "the header");
        return ParseHeader(json, headerLength, fileLength, path);
    }

    private static long CheckHeaderLength(ReadOnlySpan<byte> lengthBytes, long fileLength, string path)
    {
        if (lengthBytes.Length < 8)
            throw new InvalidDataException($"{path}: not a safetensors file (only {fileLength} bytes, no header length).");
        ulong raw = BitConverter.ToUInt64(lengthBytes);
        if (raw == 0 || raw > (ulong)MaxHeaderLength)
            throw new InvalidDataException($"{path}: corrupt safetensors header length {raw} (file has {fileLength} bytes, the format allows at most {MaxHeaderLength}).");
        long headerLength = (long)raw;
        if (headerLength > fileLength - 8)
            throw new InvalidDataException($"{path}: truncated: the safetensors header needs {headerLength} bytes but the file has only {fileLength - 8} after the length field.");
        return headerLength;
    }

    private static Header ParseHeader(byte[] json, long headerLength, long fileLength, string path) => ErrorText.OneLineRejections(() => ParseHeaderCore(json, headerLength, fileLength, path));

    private static Header ParseHeaderCore(byte[] json, long headerLength, long fileLength, string path)
    {
        JsonDocument doc;
        try { doc = UntrustedJson.Parse(json); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: safetensors header is not valid JSON ({UntrustedJson.Describe(e)})."); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: safetensors header is a JSON {doc.RootElement.ValueKind}, not an object.");
            long dataLength = fileLength - 8 - headerLength;
            var entries = new List<Entry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(prop.Name))
                    throw new InvalidDataException($"{path}: safetensors header lists '{prop.Name}' twice.");
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object)
                        throw new InvalidDataException($"{path}: safetensors __metadata__ is not an object.");
                    foreach (var m in prop.Value.EnumerateObject()) metadata[m.Name] = m.Value.ToString();
                    continue;
                }
                var entry = ParseEntry(prop, path);
                if (entry.End > dataLength)
                    throw new InvalidDataException($"{path}: truncated: tensor '{entry.Name}' ends at byte {entry.End} of the data section but the file holds {dataLength}.");
                entries.Add(entry);
            }
            CheckLayout(entries, dataLength, path);
            return new Header(headerLength, entries, metadata);
        }
    }

    private static Entry ParseEntry(JsonProperty prop, string path)
    {
        string name = prop.Name;
        var value = prop.Value;
        if (value.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: tensor '{name}' header entry is not an object.");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"{path}: tensor '{name}' has no \"dtype\" string.");
        string dtypeName = dtypeElement.GetString()!;
        ScalarType dtype = ParseDType(dtypeName, path, name);
        long[] shape = ReadIntegers(value, "shape", path, name);
        long[] offsets = ReadIntegers(value, "data_offsets", path, name);
        if (offsets.Length != 2 || offsets[1] < offsets[0])
            throw new InvalidDataException($"{path}: tensor '{name}' has invalid data_offsets [{string.Join(",", offsets)}] (need [begin, end] with begin <= end).");
        long expected = ClaimedShape.ElementCount(shape, ElementSize(dtype)) * ElementSize(dtype)
            ?? throw new InvalidDataException($"{path}: tensor '{name}' shape [{string.Join(",", shape)}] is too large or negative.");
        if (expected != offsets[1] - offsets[0])
            throw new InvalidDataException($"{path}: tensor '{name}' shape [{string.Join(",", shape)}] {dtypeName} needs {expected} bytes but data_offsets span {offsets[1] - offsets[0]}.");
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(JsonElement entry, string field, string path, string name)
    {
        if (!entry.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{path}: tensor '{name}' has no \"{field}\" array.");
        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var x in array.EnumerateArray())
        {
            if (x.ValueKind != JsonValueKind.Number || !x.TryGetInt64(out long v) || v < 0)
                throw new InvalidDataException($"{path}: tensor '{name}' has a \"{field}\" value that is not a non-negative integer ({x.GetRawText()}).");
            values[i++] = v;
        }
        return values;
    }

    /// <summary>
    /// The reference reader (safetensors <c>Metadata::validate</c>) requires the tensors, sorted by offset, to tile the
    /// data section exactly: no overlap, no gap, no trailing bytes. Overlaps would alias two tensors; gaps and trailing
    /// bytes mean the header and the data disagree, i.e. the file is damaged.
    /// </summary>
    private static void CheckLayout(List<Entry> entries, long dataLength, string path)
    {
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long cursor = 0;
        Entry? previous = null;
        foreach (var e in sorted)
        {
            if (e.Begin < cursor)
                throw new InvalidDataException($"{path}: tensor '{e.Name}' (bytes {e.Begin}..{e.End}) overlaps tensor '{previous!.Name}' (bytes {previous.Begin}..{previous.End}).");
            if (e.Begin > cursor)
                throw new InvalidDataException($"{path}: {e.Begin - cursor} bytes of the data section before tensor '{e.Name}' (bytes {cursor}..{e.Begin}) belong to no tensor.");
            cursor = e.End;
            previous = e;
        }
        if (cursor != dataLength)
            throw new InvalidDataException($"{path}: the data section has {dataLength} bytes but the tensors cover only {cursor}.");
    }

    /// <summary>Maps a safetensors dtype string to a torch scalar type.</summary>
    /// <exception cref="InvalidDataException">The dtype is not one this library reads (e.g. F8_E4M3, U16, C64).</exception>
    public static ScalarType ParseDType(string name, string path, string tensorName) => name switch
    {
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "F64" => ScalarType.Float64,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => throw new InvalidDataException($"{path}: tensor '{tensorName}' has unsupported dtype '{name}'."),
    };

    /// <summary>The safetensors dtype string of a torch scalar type.</summary>
    public static string DTypeName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Float64 => "F64",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"dtype {type} cannot be written to safetensors."),
    };

    /// <summary>Bytes per element.</summary>
    public static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        _ => throw new NotSupportedException($"dtype {type}"),
    };

    /// <summary>
    /// Writes tensors as HF's <c>save_pretrained</c> does: names sorted, <c>__metadata__</c> first, the JSON header padded
    /// with spaces to a multiple of 8 bytes. The file is written atomically (<see cref="Serialization.AtomicFile"/>), so a
    /// crash never leaves a half-written file under the final name.
    /// </summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        => Write(path, tensors, metadata, DefaultChunkBytes);

    /// <summary>Same as <see cref="Write(string, IReadOnlyDictionary{string, Tensor}, IReadOnlyDictionary{string, string}?)"/> with an explicit slice size.</summary>
    internal static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata, long chunkBytes)
    {
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var contiguous = new List<Tensor>(names.Count);
        try
        {
            foreach (string n in names) contiguous.Add(tensors[n].detach().cpu().contiguous());
            byte[] header = BuildHeader(names, contiguous, metadata);
            Serialization.AtomicFile.Write(path, file =>
            {
                file.Write(BitConverter.GetBytes((ulong)header.Length));
                file.Write(header);
                foreach (var t in contiguous)
                    ForEachSlice(t, chunkBytes, (slice, _) => file.Write(slice.bytes));
            }, bufferSize: 1 << 20);
        }
        finally
        {
            foreach (var t in contiguous) t.Dispose();
        }
    }

    private static byte[] BuildHeader(List<string> names, List<Tensor> contiguous, IReadOnlyDictionary<string, string>? metadata)
    {
        using var headerStream = new MemoryStream();
        using (var w = new Utf8JsonWriter(headerStream))
        {
            w.WriteStartObject();
            w.WritePropertyName("__metadata__");
            w.WriteStartObject();
            foreach (var kv in (metadata ?? new Dictionary<string, string> { ["format"] = "pt" }).OrderBy(k => k.Key, StringComparer.Ordinal))
                w.WriteString(kv.Key, kv.Value);
            w.WriteEndObject();
            long offset = 0;
            for (int i = 0; i < names.Count; i++)
            {
                var t = contiguous[i];
                long size = t.NumberOfElements * ElementSize(t.dtype);
                w.WritePropertyName(names[i]);
                w.WriteStartObject();
                w.WriteString("dtype", DTypeName(t.dtype));
                w.WriteStartArray("shape");
                foreach (long s in t.shape) w.WriteNumberValue(s);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + size);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += size;
            }
            w.WriteEndObject();
        }
        // HF pads with spaces so the data section starts 8-byte aligned (safetensors serialize, `N_LEN` alignment).
        int unpadded = checked((int)headerStream.Length);
        var header = new byte[(unpadded + 7) / 8 * 8];
        headerStream.GetBuffer().AsSpan(0, unpadded).CopyTo(header);
        header.AsSpan(unpadded).Fill((byte)' ');
        return header;
    }

    /// <summary>Reads <paramref name="byteCount"/> bytes at <paramref name="fileOffset"/> into a fresh contiguous tensor.</summary>
    private static void CopyFromFile(SafeFileHandle handle, long fileOffset, Tensor tensor, long byteCount, long chunkBytes, string path, string name)
    {
        if (byteCount == 0) return;
        ForEachSlice(tensor, chunkBytes, (slice, sliceOffset) =>
            ReadExactly(handle, slice.bytes, fileOffset + sliceOffset, path, $"tensor '{name}'"));
    }

    /// <summary>
    /// Calls <paramref name="action"/> with the whole contiguous tensor when it fits in <paramref name="chunkBytes"/>,
    /// else with consecutive slices of a flat view (sharing its storage) of at most that many bytes, plus each slice's
    /// byte offset. <c>Tensor.bytes</c> is an int-length span, so this is what makes tensors over 2 GiB work.
    /// </summary>
    internal static void ForEachSlice(Tensor tensor, long chunkBytes, Action<Tensor, long> action)
    {
        long count = tensor.NumberOfElements;
        if (count == 0) return;
        int elementSize = ElementSize(tensor.dtype);
        if (count * elementSize <= chunkBytes)
        {
            action(tensor, 0);
            return;
        }
        long perSlice = Math.Max(1, chunkBytes / elementSize);
        using var flat = tensor.view(-1);
        for (long start = 0; start < count; start += perSlice)
        {
            using var slice = flat.narrow(0, start, Math.Min(perSlice, count - start));
            action(slice, start * elementSize);
        }
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> destination, long offset, string path, string what)
    {
        int got = ReadAtMost(handle, destination, offset);
        if (got != destination.Length)
            throw new InvalidDataException($"{path}: truncated while reading {what}: got {got} of {destination.Length} bytes at offset {offset}.");
    }

    /// <summary>Positional reads until the span is full or the file ends; returns the bytes read.</summary>
    private static int ReadAtMost(SafeFileHandle handle, Span<byte> destination, long offset)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int n = RandomAccess.Read(handle, destination[total..], offset + total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
