using Mpt.Data;
using Mpt.Tasks;

namespace Mpt.Evaluation;

/// <summary>Formatted rows ready for evaluation, and where they came from.</summary>
/// <param name="Rows">Text-to-text rows in example order (ReCoRD: several per example).</param>
/// <param name="Files">The data files read, in order.</param>
/// <param name="SourceSplit">The dataset split the rows were taken from (null when the file was used whole).</param>
/// <param name="Examples">Number of raw examples selected.</param>
/// <param name="AvailableExamples">Number of raw examples in the files.</param>
public sealed record EvaluationDataset(IReadOnlyList<TextToTextRow> Rows, IReadOnlyList<string> Files, string? SourceSplit,
    int Examples, int AvailableExamples);

/// <summary>
/// Loads what users have on disk for evaluation: one data file, or a folder of a dataset's splits as Hugging Face
/// exports them (<c>validation-00000-of-00001.parquet</c>, <c>validation.jsonl</c>, <c>validation/0000.parquet</c>,
/// ...). With a split, ATTEMPT's split rule (<see cref="DatasetSplitter"/>) picks the examples: e.g. RTE's
/// "validation" is the first half of its permuted validation split, its "test" the second half.
/// </summary>
public static class EvaluationData
{
    private static readonly string[] Extensions = [".parquet", ".jsonl", ".ndjson", ".csv", ".tsv"];

    /// <summary>
    /// Loads, validates (task schema) and formats examples of <paramref name="task"/>.
    /// </summary>
    /// <param name="task">The task.</param>
    /// <param name="path">A data file, or a folder holding the dataset's split files.</param>
    /// <param name="split">The split to derive with ATTEMPT's rule, or null to use every example of the file
    /// (a folder needs a split).</param>
    /// <param name="maxExamples">At most this many examples: ATTEMPT's n_obs (a seeded random subset) with a split,
    /// else the first ones.</param>
    /// <param name="formatOptions">Text format switches (default: ATTEMPT's).</param>
    /// <param name="splitOptions">Split seed and switches (default: ATTEMPT's, seed 42).</param>
    /// <exception cref="FileNotFoundException">The file or folder does not exist, or the folder has no file for the split.</exception>
    /// <exception cref="DataFormatException">A row is malformed or cannot be formatted (file, line or row, and field named).</exception>
    public static EvaluationDataset Load(TaskDefinition task, string path, DataSplit? split = null, int? maxExamples = null,
        FormatOptions? formatOptions = null, SplitOptions? splitOptions = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(path);
        if (maxExamples is < 1) throw new ArgumentOutOfRangeException(nameof(maxExamples), maxExamples, "the number of examples must be at least 1.");
        bool isFolder = Directory.Exists(path);
        if (!isFolder && !File.Exists(path))
            throw new FileNotFoundException($"Data path '{path}' does not exist (give a data file or a folder of split files).", path);
        if (split is null)
        {
            if (isFolder)
                throw new ArgumentException($"'{path}' is a folder: say which split to evaluate (validation or test) so the right files are read.");
            var all = ReadRaw(task, [path]);
            var chosen = maxExamples is int k && k < all.Count ? all.Take(k).ToList() : all;
            return new EvaluationDataset(FormatAll(task, chosen, formatOptions), [path], null, chosen.Count, all.Count);
        }

        // The split rule names the dataset split to read first; count its rows, then take the planned indices.
        List<DataRow>? raw = null;
        IReadOnlyList<string> files = [];
        SplitPlan plan = DatasetSplitter.Plan(task, split.Value, sourceSplit =>
        {
            files = isFolder ? FilesForSplit(path, sourceSplit) : [path];
            raw = ReadRaw(task, files);
            return raw.Count;
        }, maxExamples, splitOptions);
        var selected = plan.Indices.Select(i => raw![i]).ToList();
        return new EvaluationDataset(FormatAll(task, selected, formatOptions), files, plan.SourceSplit, selected.Count, raw!.Count);
    }

    /// <summary>
    /// Loads and formats every row of the data file <paramref name="path"/> to predict with <paramref name="task"/>'s
    /// format: a row needs the task's input fields; its label is optional (a row without one gets an empty
    /// <see cref="TextToTextRow.Target"/>).
    /// </summary>
    /// <exception cref="DataFormatException">A row is malformed or lacks an input field (file, line or row, and field named).</exception>
    public static IReadOnlyList<TextToTextRow> LoadInputs(TaskDefinition task, string path, FormatOptions? formatOptions = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(path);
        return FormatAll(DataFiles.ReadInputsForTask(task, path).ToList(), row => task.FormatInput(row.Fields, formatOptions));
    }

    /// <summary>
    /// The files of dataset split <paramref name="split"/> in <paramref name="folder"/>, sorted: files named
    /// <c>{split}.{ext}</c> or <c>{split}-*.{ext}</c> (HF shards), and every data file in a subfolder named
    /// <c>{split}</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">No file matches; the message lists the data files present.</exception>
    public static IReadOnlyList<string> FilesForSplit(string folder, string split)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(split);
        var files = new List<string>();
        foreach (string file in DataFilesIn(folder))
        {
            string stem = Path.GetFileNameWithoutExtension(file);
            if (stem == split || stem.StartsWith(split + "-", StringComparison.Ordinal)) files.Add(file);
        }
        string sub = Path.Combine(folder, split);
        if (Directory.Exists(sub)) files.AddRange(DataFilesIn(sub));
        if (files.Count == 0)
        {
            var present = DataFilesIn(folder).Select(Path.GetFileName).ToList();
            throw new FileNotFoundException(
                $"Folder '{folder}' has no data file for split '{split}' (expected {split}.parquet, {split}-00000-of-00001.parquet, {split}.jsonl or {split}/*.parquet; found: {(present.Count == 0 ? "no data files" : string.Join(", ", present))}).");
        }
        return files.Order(StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<string> DataFilesIn(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal);

    private static List<DataRow> ReadRaw(TaskDefinition task, IReadOnlyList<string> files) =>
        files.SelectMany(f => DataFiles.ReadForTask(task, f)).ToList();

    private static List<TextToTextRow> FormatAll(TaskDefinition task, IReadOnlyList<DataRow> rows, FormatOptions? options) =>
        FormatAll(rows, row => task.Format(row.Fields, options));

    private static List<TextToTextRow> FormatAll(IReadOnlyList<DataRow> rows, Func<DataRow, IReadOnlyList<TextToTextRow>> format)
    {
        var formatted = new List<TextToTextRow>(rows.Count);
        foreach (DataRow row in rows)
        {
            try
            {
                formatted.AddRange(format(row));
            }
            catch (TaskFormatException e)
            {
                throw new DataFormatException(row.Location, e.Message, inner: e);
            }
        }
        return formatted;
    }
}
