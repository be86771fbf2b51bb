using System.Text;
using System.Text.Json;

namespace Mpt.Reports;

/// <summary>
/// Reads and writes <c>metrics.jsonl</c>: one <see cref="StepMetrics"/> JSON object per line (JSON Lines), appended as
/// training goes, so a crashed or interrupted run still has every step logged before it stopped.
/// </summary>
public static class MetricsLog
{
    /// <summary>File name inside a run folder.</summary>
    public const string FileName = "metrics.jsonl";

    /// <summary>One record as its JSONL line (no newline).</summary>
    public static string Serialize(StepMetrics record) => JsonSerializer.Serialize(record, ReportJson.Compact);

    /// <summary>
    /// Appends records to <paramref name="path"/> (created when missing), one line each, flushed before returning. A line
    /// is written with a single write call so a concurrent reader sees whole lines only.
    /// </summary>
    public static void Append(string path, IEnumerable<StepMetrics> records)
    {
        var text = new StringBuilder();
        foreach (var record in records)
        {
            record.Validate();
            text.Append(Serialize(record)).Append('\n');
        }
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Appends one record; see <see cref="Append(string, IEnumerable{StepMetrics})"/>.</summary>
    public static void Append(string path, StepMetrics record) => Append(path, [record]);

    /// <summary>Replaces <paramref name="path"/> with exactly <paramref name="records"/> (atomically).</summary>
    public static void Write(string path, IEnumerable<StepMetrics> records)
    {
        var text = new StringBuilder();
        foreach (var record in records)
        {
            record.Validate();
            text.Append(Serialize(record)).Append('\n');
        }
        ReportJson.WriteAllTextAtomic(path, text.ToString());
    }

    /// <summary>Reads every record, in file order. Blank lines are skipped.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A line is not a valid record; the message names the file and the 1-based line.</exception>
    public static List<StepMetrics> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: metrics log not found.", path);
        var records = new List<StepMetrics>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                var record = JsonSerializer.Deserialize<StepMetrics>(line, ReportJson.Compact)
                             ?? throw new InvalidDataException("the line is JSON null, expected an object.");
                record.Validate();
                records.Add(record);
            }
            catch (Exception e) when (e is JsonException or ArgumentException or InvalidDataException or NotSupportedException)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: not a valid metrics record ({e.Message}).", e);
            }
        }
        return records;
    }
}
