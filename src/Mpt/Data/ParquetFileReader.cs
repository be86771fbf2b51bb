using System.Collections;
using Parquet;
using Parquet.Serialization;

namespace Mpt.Data;

/// <summary>
/// Streams a Parquet file (e.g. the Hugging Face Hub's converted datasets) row group by row group with Parquet.Net's
/// untyped reader, converting values to the plain objects examples use: strings, long for integer columns, double
/// for floating ones, bool, null, lists and ordered dictionaries for nested columns. Positions are reported as row
/// group and row.
/// </summary>
internal static class ParquetFileReader
{
    /// <summary>The rows of <paramref name="path"/>, one row group in memory at a time.</summary>
    public static IEnumerable<DataRow> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        ParquetFooter.Check(path);
        int groups;
        try
        {
            using FileStream probe = File.OpenRead(path);
            ParquetReader reader = ParquetReader.CreateAsync(probe).GetAwaiter().GetResult();
            groups = reader.RowGroupCount;
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        // Parquet.Net reports a corrupt footer or schema with whatever exception its decoding hits (an index or argument
        // out of range, an overflow, its own ParquetException), so anything it throws here means "not readable".
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DataFormatException(new RowLocation(path), $"not a readable Parquet file: {e.Message}", inner: e);
        }
        for (int g = 0; g < groups; g++)
        {
            IList<Dictionary<string, object>> rows;
            using (FileStream stream = File.OpenRead(path))
            {
                try
                {
                    rows = ParquetSerializer.DeserializeUntypedAsync(stream, null, g).GetAwaiter().GetResult().Data;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    throw new DataFormatException(new RowLocation(path, RowGroup: g), $"cannot read the row group: {e.Message}", inner: e);
                }
            }
            for (int r = 0; r < rows.Count; r++)
            {
                var location = new RowLocation(path, RowGroup: g, Row: r);
                var fields = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
                foreach (var kv in rows[r])
                {
                    try
                    {
                        fields[kv.Key] = Plain(kv.Value);
                    }
                    catch (Exception e) when (e is NotSupportedException or OverflowException)
                    {
                        throw new DataFormatException(location, e.Message, kv.Key, e);
                    }
                }
                yield return new DataRow(fields, location);
            }
        }
    }

    private static object? Plain(object? value) => value switch
    {
        null => null,
        string s => s,
        ReadOnlyMemory<char> m => m.ToString(),
        bool b => b,
        long l => l,
        int i => (long)i,
        short s16 => (long)s16,
        sbyte s8 => (long)s8,
        byte u8 => (long)u8,
        ushort u16 => (long)u16,
        uint u32 => (long)u32,
        ulong u64 => checked((long)u64),
        double d => d,
        float f => (double)f,
        decimal m => (double)m,
        DateTime t => t.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToBase64String(bytes),
        IDictionary<string, object?> dict => ToRecord(dict),
        IDictionary dict => ToRecord(dict.Keys.Cast<object>().ToDictionary(k => k.ToString()!, k => dict[k])),
        IEnumerable list => list.Cast<object?>().Select(Plain).ToList(),
        _ => throw new NotSupportedException($"unsupported Parquet value of type {value.GetType().Name}"),
    };

    private static IReadOnlyDictionary<string, object?> ToRecord(IEnumerable<KeyValuePair<string, object?>> dict)
    {
        var record = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var kv in dict) record[kv.Key] = Plain(kv.Value);
        return record;
    }
}
