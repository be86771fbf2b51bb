using System.Text;
using System.Text.Json;

namespace Mpt.Reports;

/// <summary>
/// Reads and writes <c>metrics.jsonl</c>: one <see cref="StepMetrics"/> JSON object per line (JSON Lines), appended as
/// training goes, so a crashed or interrupted run still has every step logged before it stopped.
/// </summary>
/// <remarks>
/// The log is appended to, not replaced (<see cref="Serialization.AtomicFile"/> would rewrite the whole file per step), so
/// it has its own crash rule: every record ends with a newline, and a last line without one is a record a killed process
/// was writing. <see cref="Append(string, IEnumerable{StepMetrics})"/> cuts such a torn tail off before it appends, and
/// <see cref="Read"/> skips it, so a kill mid-write never makes the log unreadable.
/// </remarks>
public static class MetricsLog
{
    /// <summary>File name inside a run folder.</summary>
    public const string FileName = "metrics.jsonl";

    /// <summary>One record as its JSONL line (no newline).</summary>
    public static string Serialize(StepMetrics record) => JsonSerializer.Serialize(record, ReportJson.Compact);

    /// <summary>
    /// Appends records to <paramref name="path"/> (created when missing), one line each, flushed before returning, after
    /// cutting a torn last line off (<see cref="Serialization.JsonLinesAppend"/>).
    /// </summary>
    public static void Append(string path, IEnumerable<StepMetrics> records)
    {
        var lines = new List<string>();
        foreach (var record in records)
        {
            record.Validate();
            lines.Add(Serialize(record));
        }
        Serialization.JsonLinesAppend.Append(path, lines, IsRecord);
    }

    private static bool IsRecord(string line)
    {
        try
        {
            JsonSerializer.Deserialize<StepMetrics>(line, ReportJson.Compact)?.Validate();
            return !string.IsNullOrWhiteSpace(line);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidDataException or NotSupportedException)
        {
            return false;
        }
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
        Mpt.Serialization.AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>Reads every record, in file order. Blank lines are skipped, and so is a last line without a newline that is
    /// not a valid record (torn by a killed writer; see the remarks).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A line is not a valid record; the message names the file and the 1-based line.</exception>
    public static List<StepMetrics> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: metrics log not found.", path);
        var records = new List<StepMetrics>();
        int lineNumber = 0;
        string content = File.ReadAllText(path);
        string[] lines = content.Split('\n');
        foreach (string line in lines)
        {
            lineNumber++;
            bool torn = lineNumber == lines.Length && line.Length > 0; // after the last newline: unterminated
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
                if (torn) break;
                throw new InvalidDataException($"{path}:{lineNumber}: not a valid metrics record ({e.Message}).", e);
            }
        }
        return records;
    }
}
