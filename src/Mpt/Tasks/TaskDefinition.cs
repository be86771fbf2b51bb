using Mpt.Metrics;

namespace Mpt.Tasks;

/// <summary>
/// A task as data (seqio style): where its examples come from, how they become text, which labels are valid, how
/// it is scored and split. Built-in definitions reproduce ATTEMPT's task classes (<c>attempt/data/tasks.py</c>
/// @ b5121e53); user tasks come from JSON (<see cref="UserTaskFile"/>).
/// </summary>
public sealed record TaskDefinition
{
    /// <summary>Catalogue name, e.g. <c>"superglue-rte"</c>, <c>"nq"</c>.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// The word put before the fields when the prefix is on, and the row's task name: ATTEMPT's class <c>name</c>.
    /// Differs from <see cref="Name"/> only for nq / hotpotqa / searchqa / newsqa, which ATTEMPT formats with its
    /// <c>Squad</c> class ("squad").
    /// </summary>
    public required string Prefix { get; init; }

    /// <summary>The source template in order (keywords and fields); documents the format the formatter produces.</summary>
    public required IReadOnlyList<SourceField> Template { get; init; }

    /// <summary>Valid target strings (the inverse verbaliser's domain), or null for free-text targets (QA).</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>
    /// Label → description, what an encoder backbone's similarity verbaliser compares an input with (a label without an
    /// entry is described by its own text); null = every label by its text. T5 ignores it.
    /// </summary>
    public IReadOnlyDictionary<string, string>? LabelDescriptions { get; init; }

    /// <summary>The description of each of <see cref="Labels"/>, in label order (empty for a free-text task).</summary>
    public IReadOnlyList<string> DescribedLabels() =>
        (Labels ?? []).Select(l => LabelDescriptions is not null && LabelDescriptions.TryGetValue(l, out var d) ? d : l).ToList();

    /// <summary>Turns a raw example into rows.</summary>
    public required ITaskFormatter Formatter { get; init; }

    /// <summary>How predictions are scored (in order).</summary>
    public required IReadOnlyList<MetricKind> Metrics { get; init; }

    /// <summary>ATTEMPT's <c>metric_names</c> for the task (null where the class declares none).</summary>
    public IReadOnlyList<string>? ReferenceMetricNames { get; init; }

    /// <summary>How train / validation / test are derived.</summary>
    public required SplitRule SplitRule { get; init; }

    /// <summary>Which dataset split each split loads.</summary>
    public required DataSplitMap DataSplits { get; init; }

    /// <summary>The Hugging Face dataset ATTEMPT's class loads (MRQA tasks: "squad"; their data come from files).</summary>
    public HfDatasetId? HfDataset { get; init; }

    /// <summary>The raw fields the formatter reads, with their types; rows are validated against it on load.</summary>
    public required IReadOnlyList<FieldSpec> Schema { get; init; }

    /// <summary>Cap on training examples the paper applies (Yelp: 100k, App. A); null = no cap.</summary>
    public int? MaxTrainExamples { get; init; }

    /// <summary>Formats one example with <paramref name="options"/> (default: ATTEMPT's behaviour).</summary>
    public IReadOnlyList<TextToTextRow> Format(IReadOnlyDictionary<string, object?> example, FormatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(example);
        return Formatter.Format(this, example, options ?? FormatOptions.Default);
    }

    /// <summary>
    /// Formats an example to predict, which needs the input fields only: an example with its label
    /// (<see cref="ITaskFormatter.TargetField"/>) is formatted as <see cref="Format"/> does; one without it gets rows whose
    /// <see cref="TextToTextRow.Target"/> is empty.
    /// </summary>
    public IReadOnlyList<TextToTextRow> FormatInput(IReadOnlyDictionary<string, object?> example, FormatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(example);
        if (example.ContainsKey(Formatter.TargetField)) return Format(example, options);
        var filled = new Dictionary<string, object?>(example, StringComparer.Ordinal) { [Formatter.TargetField] = Formatter.TargetPlaceholder };
        return Format(filled, options).Select(r => r with { Target = "" }).ToList();
    }

    /// <summary>ATTEMPT's <c>seq2seq_format</c>: joins the parts with spaces, the prefix first when enabled.</summary>
    internal TextToTextRow Row(IEnumerable<string> sourceParts, string target, FormatOptions options,
        IReadOnlyDictionary<string, object?>? extraFields = null, string? prefix = null)
    {
        string p = prefix ?? Prefix;
        IEnumerable<string> parts = options.AddPrefix ? sourceParts.Prepend(p) : sourceParts;
        return new TextToTextRow(string.Join(' ', parts), target, p, extraFields ?? new Dictionary<string, object?>());
    }
}
