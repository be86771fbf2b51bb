using Mpt.Tasks;

namespace Mpt.Data;

/// <summary>
/// Reads example files by extension — <c>.jsonl</c> / <c>.ndjson</c> (JSON Lines), <c>.csv</c>, <c>.tsv</c>,
/// <c>.parquet</c> — and, for a task, validates every row against the task's schema.
/// </summary>
public static class DataFiles
{
    /// <summary>The raw rows of <paramref name="path"/>, streamed.</summary>
    /// <exception cref="ArgumentException">The extension is not a supported format.</exception>
    public static IEnumerable<DataRow> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Data file '{path}' does not exist.", path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".jsonl" or ".ndjson" => JsonlReader.Read(path),
            ".csv" => DelimitedReader.Read(path, ','),
            ".tsv" => DelimitedReader.Read(path, '\t'),
            ".parquet" => ParquetFileReader.Read(path),
            string ext => throw new ArgumentException(
                $"Data file '{path}': unsupported extension '{ext}' (use .jsonl, .ndjson, .csv, .tsv or .parquet)."),
        };
    }

    /// <summary>
    /// The rows of <paramref name="path"/> validated (and CSV cells converted) against <paramref name="task"/>'s
    /// schema, streamed; the first malformed row throws a <see cref="DataFormatException"/> naming file, position and field.
    /// </summary>
    public static IEnumerable<DataRow> ReadForTask(TaskDefinition task, string path)
    {
        ArgumentNullException.ThrowIfNull(task);
        foreach (DataRow row in Read(path)) yield return RowSchema.Validate(task.Schema, row);
    }

    /// <summary>
    /// The rows of <paramref name="path"/> to predict: validated like <see cref="ReadForTask"/>, except that a row may
    /// lack the label (<see cref="ITaskFormatter.TargetField"/>).
    /// </summary>
    public static IEnumerable<DataRow> ReadInputsForTask(TaskDefinition task, string path)
    {
        ArgumentNullException.ThrowIfNull(task);
        foreach (DataRow row in Read(path)) yield return RowSchema.Validate(task.Schema, row, task.Formatter.TargetField);
    }
}
