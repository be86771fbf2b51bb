using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Checkpoints;

/// <summary>
/// Reader for the safetensors format (huggingface/safetensors): a u64 little-endian header length N, N bytes of UTF-8
/// JSON <c>{"__metadata__": {...}, name: {"dtype", "shape", "data_offsets": [begin, end]}}</c>, then the raw
/// little-endian tensor bytes, offsets relative to the first data byte.
/// </summary>
public static class SafetensorsFile
{
    /// <summary>Reads every tensor of a safetensors file onto the CPU in its stored dtype.</summary>
    /// <exception cref="InvalidDataException">The file is truncated or its header is malformed.</exception>
    public static Dictionary<string, Tensor> Read(string path)
    {
        using var stream = File.OpenRead(path);
        var header = ReadHeader(stream, path);
        long dataStart = 8 + header.HeaderLength;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var entry in header.Entries)
        {
            var tensor = torch.empty(entry.Shape, entry.DType);
            long byteCount = entry.End - entry.Begin;
            if (byteCount > int.MaxValue)
                throw new InvalidDataException($"{path}: tensor '{entry.Name}' is larger than 2 GiB, which this reader does not support yet.");
            var buffer = new byte[byteCount];
            stream.Position = dataStart + entry.Begin;
            stream.ReadExactly(buffer);
            tensor.bytes = buffer;
            result[entry.Name] = tensor;
        }
        return result;
    }

    /// <summary>One tensor's entry in a safetensors header.</summary>
    public sealed record Entry(string Name, ScalarType DType, long[] Shape, long Begin, long End);

    /// <summary>A parsed safetensors header.</summary>
    public sealed record Header(long HeaderLength, IReadOnlyList<Entry> Entries, IReadOnlyDictionary<string, string> Metadata);

    /// <summary>Parses and validates the header of an open safetensors stream.</summary>
    public static Header ReadHeader(Stream stream, string path)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw new InvalidDataException($"{path}: not a safetensors file (only {fileLength} bytes, no header length).");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.Position = 0;
        stream.ReadExactly(lengthBytes);
        long headerLength = (long)BitConverter.ToUInt64(lengthBytes);
        if (headerLength <= 0 || headerLength > fileLength - 8)
            throw new InvalidDataException($"{path}: corrupt safetensors header length {headerLength} (file has {fileLength} bytes).");
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: safetensors header is not valid JSON ({e.Message})."); }
        using (doc)
        {
            long dataLength = fileLength - 8 - headerLength;
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    foreach (var m in prop.Value.EnumerateObject()) metadata[m.Name] = m.Value.ToString();
                    continue;
                }
                string dtypeName = prop.Value.GetProperty("dtype").GetString() ?? "";
                ScalarType dtype = ParseDType(dtypeName, path, prop.Name);
                long[] shape = prop.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
                long[] offsets = prop.Value.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                    throw new InvalidDataException($"{path}: tensor '{prop.Name}' has invalid data_offsets.");
                if (offsets[1] > dataLength)
                    throw new InvalidDataException($"{path}: truncated: tensor '{prop.Name}' ends at byte {offsets[1]} of the data section but the file holds {dataLength}.");
                long expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype);
                if (expected != offsets[1] - offsets[0])
                    throw new InvalidDataException($"{path}: tensor '{prop.Name}' shape [{string.Join(",", shape)}] {dtypeName} needs {expected} bytes but data_offsets span {offsets[1] - offsets[0]}.");
                entries.Add(new Entry(prop.Name, dtype, shape, offsets[0], offsets[1]));
            }
            return new Header(headerLength, entries, metadata);
        }
    }

    /// <summary>Maps a safetensors dtype string to a torch scalar type.</summary>
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
    /// with spaces to a multiple of 8 bytes. The file is written to a temporary name and renamed, so a crash never leaves a
    /// half-written file under the final name.
    /// </summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var contiguous = names.Select(n => tensors[n].detach().cpu().contiguous()).ToList();
        try
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
            var header = headerStream.ToArray().ToList();
            while (header.Count % 8 != 0) header.Add((byte)' ');
            string tmp = path + ".tmp";
            using (var file = File.Create(tmp))
            {
                file.Write(BitConverter.GetBytes((ulong)header.Count));
                file.Write(header.ToArray());
                foreach (var t in contiguous) file.Write(t.bytes);
            }
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            foreach (var t in contiguous) t.Dispose();
        }
    }
}
