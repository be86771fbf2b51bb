using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mpt.Reports;

/// <summary>
/// JSON settings shared by the run-folder records (<c>metrics.jsonl</c>, <c>results.json</c>): snake_case names so the
/// files read naturally from Python, required constructor parameters enforced (a missing <c>"loss"</c> is an error, not
/// a silent 0), unknown properties ignored so newer writers stay readable, NaN/Infinity allowed (a diverged loss is
/// still a logged value).
/// </summary>
public static class ReportJson
{
    /// <summary>Indented settings, for <c>results.json</c>.</summary>
    public static readonly JsonSerializerOptions Indented = Create(indented: true);

    /// <summary>Single-line settings, for one <c>metrics.jsonl</c> record per line.</summary>
    public static readonly JsonSerializerOptions Compact = Create(indented: false);

    private static JsonSerializerOptions Create(bool indented) => new()
    {
        WriteIndented = indented,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null, // task, method and stage names are data: kept verbatim
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="path"/> through a temporary file and a rename, so a reader (or a
    /// crash) never sees a half-written file under the final name.
    /// </summary>
    public static void WriteAllTextAtomic(string path, string text) => WriteAllBytesAtomic(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Byte version of <see cref="WriteAllTextAtomic"/>.</summary>
    public static void WriteAllBytesAtomic(string path, ReadOnlySpan<byte> bytes)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        string tmp = path + ".tmp";
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }
}
