using Mpt.Serialization;
using System.Text.Json;

namespace Mpt.Checkpoints;

/// <summary>
/// A sharded checkpoint's index as <c>save_pretrained</c> writes it (<c>model.safetensors.index.json</c> or
/// <c>pytorch_model.bin.index.json</c>): <c>{"metadata": {"total_size": ...}, "weight_map": {tensor name: shard file}}</c>.
/// </summary>
/// <param name="Path">The index file.</param>
/// <param name="WeightMap">Tensor name → shard file name (relative to the index's folder).</param>
/// <param name="Metadata">The <c>metadata</c> object's values as text (e.g. <c>total_size</c>); empty when absent.</param>
public sealed record ShardIndex(string Path, IReadOnlyDictionary<string, string> WeightMap, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The distinct shard files, in order of first appearance in the weight map.</summary>
    public IReadOnlyList<string> ShardFiles => WeightMap.Values.Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The tensor names stored in one shard file.</summary>
    public IReadOnlySet<string> KeysIn(string shardFile) =>
        WeightMap.Where(kv => kv.Value == shardFile).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);

    /// <summary>Parses and validates an index file.</summary>
    /// <exception cref="FileNotFoundException">The index does not exist.</exception>
    /// <exception cref="InvalidDataException">The index is not valid JSON, has no <c>weight_map</c> object, lists a
    /// tensor twice, or names a shard outside its folder.</exception>
    public static ShardIndex Read(string path) => ErrorText.OneLineRejections(() => ReadCore(path));

    private static ShardIndex ReadCore(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: shard index not found.", path);
        JsonDocument doc;
        try { doc = UntrustedJson.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: shard index is not valid JSON ({UntrustedJson.Describe(e)})."); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: shard index has no \"weight_map\" object.");
            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var kv in map.EnumerateObject())
            {
                if (kv.Value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(kv.Value.GetString()))
                    throw new InvalidDataException($"{path}: weight_map entry '{kv.Name}' is not a file name.");
                string shard = kv.Value.GetString()!;
                // A shard is a file next to the index (HF writes bare names); anything else could read outside the model folder.
                if (shard != System.IO.Path.GetFileName(shard) || shard is "." or "..")
                    throw new InvalidDataException($"{path}: weight_map entry '{kv.Name}' names '{shard}', which is not a file in the index's folder.");
                if (!weightMap.TryAdd(kv.Name, shard))
                    throw new InvalidDataException($"{path}: weight_map lists '{kv.Name}' twice.");
            }
            if (weightMap.Count == 0)
                throw new InvalidDataException($"{path}: weight_map is empty.");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            if (doc.RootElement.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
                foreach (var m in meta.EnumerateObject()) metadata[m.Name] = m.Value.ToString();
            return new ShardIndex(path, weightMap, metadata);
        }
    }

    /// <summary>
    /// Writes an index as <c>save_pretrained</c> does (<c>metadata.total_size</c> = sum of tensor bytes, weight map
    /// sorted by name, two-space indentation).
    /// </summary>
    public static void Write(string path, IReadOnlyDictionary<string, string> weightMap, long totalSize)
    {
        Serialization.AtomicFile.Write(path, stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, IndentSize = 2 });
            w.WriteStartObject();
            w.WriteStartObject("metadata");
            w.WriteNumber("total_size", totalSize);
            w.WriteEndObject();
            w.WriteStartObject("weight_map");
            foreach (var kv in weightMap.OrderBy(k => k.Key, StringComparer.Ordinal)) w.WriteString(kv.Key, kv.Value);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }
}
