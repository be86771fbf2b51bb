using System.Globalization;
using Mpt.Data;

namespace Mpt;

/// <summary>
/// One classification task for <see cref="PromptTuner"/>: labelled training texts, optional validation texts (the best
/// prompt on them is kept), and optional label descriptions. The label set is the distinct labels of
/// <see cref="Examples"/> in order of first appearance.
/// </summary>
/// <param name="Name">Task name (used in log messages and saved with the prompt).</param>
/// <param name="Examples">Training examples: input text and its label.</param>
public sealed record LabelledTask(string Name, IReadOnlyList<(string Input, string Label)> Examples)
{
    /// <summary>Validation examples; when given, the prompt with the best validation accuracy is kept.</summary>
    public IReadOnlyList<(string Input, string Label)>? Validation { get; init; }

    /// <summary>
    /// Text an encoder compares an input with, per label (label → description); a label without one is described by
    /// its own text. A T5 model generates the label text and ignores descriptions.
    /// </summary>
    public IReadOnlyDictionary<string, string>? LabelDescriptions { get; init; }

    /// <summary>The distinct labels of <see cref="Examples"/>, in order of first appearance (class c = index c).</summary>
    public IReadOnlyList<string> Labels => Examples.Select(e => e.Label).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The description of each label of <see cref="Labels"/>, in the same order.</summary>
    public IReadOnlyList<string> Descriptions =>
        Labels.Select(l => LabelDescriptions is not null && LabelDescriptions.TryGetValue(l, out var d) ? d : l).ToList();

    /// <summary>
    /// Reads a task from a data file (<c>.jsonl</c>, <c>.csv</c>, <c>.tsv</c> or <c>.parquet</c>) with one example per
    /// row; the label may be a string or a number (written as invariant text).
    /// </summary>
    /// <param name="name">Task name.</param>
    /// <param name="trainPath">Training examples.</param>
    /// <param name="validationPath">Validation examples, or null.</param>
    /// <param name="textField">Field holding the input text.</param>
    /// <param name="labelField">Field holding the label.</param>
    /// <exception cref="DataFormatException">A row lacks a field or has an empty text (file, row and field named).</exception>
    public static LabelledTask FromFiles(string name, string trainPath, string? validationPath = null, string textField = "text", string labelField = "label") =>
        new(name, ReadRows(trainPath, textField, labelField))
        {
            Validation = validationPath is null ? null : ReadRows(validationPath, textField, labelField),
        };

    /// <summary>Checks that the task can be trained: a name, at least two labels, no empty text or label.</summary>
    /// <exception cref="ArgumentException">Names the task and the first problem found.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("a task needs a name.", nameof(Name));
        Check(Examples, "training");
        if (Validation is not null) Check(Validation, "validation");
        if (Labels.Count < 2)
            throw new ArgumentException($"task '{Name}': a classifier needs at least 2 distinct labels, the training examples have {Labels.Count}.");
        if (Validation?.FirstOrDefault(v => !Labels.Contains(v.Label, StringComparer.Ordinal)) is { Label: not null } unknown)
            throw new ArgumentException($"task '{Name}': validation label '{unknown.Label}' does not occur in the training examples.");
    }

    private void Check(IReadOnlyList<(string Input, string Label)> rows, string what)
    {
        if (rows.Count == 0) throw new ArgumentException($"task '{Name}' has no {what} examples.");
        for (int i = 0; i < rows.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(rows[i].Input)) throw new ArgumentException($"task '{Name}': {what} example {i} has an empty input.");
            if (string.IsNullOrWhiteSpace(rows[i].Label)) throw new ArgumentException($"task '{Name}': {what} example {i} has an empty label.");
        }
    }

    private static List<(string Input, string Label)> ReadRows(string path, string textField, string labelField) =>
        DataFiles.Read(path).Select(row => (Field(row, textField), Field(row, labelField))).ToList();

    private static string Field(DataRow row, string field)
    {
        if (!row.Fields.TryGetValue(field, out var value) || value is null)
            throw new DataFormatException(row.Location, $"field '{field}' is missing or null.", field);
        string text = value switch
        {
            string s => s,
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        if (string.IsNullOrWhiteSpace(text)) throw new DataFormatException(row.Location, $"field '{field}' is empty.", field);
        return text;
    }
}
