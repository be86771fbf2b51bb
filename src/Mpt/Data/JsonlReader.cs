using Mpt.Serialization;
using System.Text.Json;

namespace Mpt.Data;

/// <summary>
/// Streams a JSON Lines file (one JSON object per line, blank lines skipped) as rows of plain values
/// (<see cref="JsonValues"/>). A line that is not a JSON object fails with the file and line number.
/// </summary>
internal static class JsonlReader
{
    /// <summary>The rows of <paramref name="path"/>, read lazily.</summary>
    public static IEnumerable<DataRow> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var reader = new StreamReader(path);
        long lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var location = new RowLocation(path, Line: lineNumber);
            IReadOnlyDictionary<string, object?> fields;
            try
            {
                using JsonDocument doc = UntrustedJson.Parse(line);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new DataFormatException(location, $"expected a JSON object, got {doc.RootElement.ValueKind}");
                fields = JsonValues.ToRecord(doc.RootElement);
            }
            catch (JsonException e)
            {
                throw new DataFormatException(location, $"invalid JSON: {UntrustedJson.Describe(e)}", inner: e);
            }
            catch (ArgumentException e)
            {
                throw new DataFormatException(location, e.Message, inner: e);
            }
            yield return new DataRow(fields, location);
        }
    }
}
