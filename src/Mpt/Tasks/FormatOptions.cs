namespace Mpt.Tasks;

/// <summary>
/// How examples are turned into text. The defaults reproduce ATTEMPT (b5121e53) byte for byte, including its known
/// quirks (docs/method.md §6.4); each quirk can be switched off by name. Departing from a default changes the text the
/// model sees, so a run records its options.
/// </summary>
public sealed record FormatOptions
{
    /// <summary>The reference behaviour: ATTEMPT with the task prefix (it trains prompt methods with add_prefix=True).</summary>
    public static FormatOptions Default { get; } = new();

    /// <summary>
    /// Prepend the task's prefix word (<c>"rte sentence1: …"</c>). ATTEMPT: true; DePT: false. MPT does not say.
    /// </summary>
    public bool AddPrefix { get; init; } = true;

    /// <summary>
    /// Fix the WinoGrande template bug: ATTEMPT (and DePT) fill <c>option0:</c> with <c>option1</c>, so option 2 never
    /// appears. True shows <c>option0: {option1} option1: {option2}</c>.
    /// </summary>
    public bool FixWinograndeOptions { get; init; }

    /// <summary>
    /// Fix STS-B target rounding: ATTEMPT's <c>np.round((label*5)/5, decimals=1)</c> only rounds to one decimal; true
    /// applies the documented intent, the closest of 0.0, 0.2, …, 5.0 (<c>round(label*5)/5</c>), printed with one decimal.
    /// </summary>
    public bool FixStsbRounding { get; init; }

    /// <summary>
    /// Fix WSC span marking: ATTEMPT builds the span regex from the span text without escaping, so spans holding
    /// regex metacharacters can fail or mis-match. True matches the span text literally.
    /// </summary>
    public bool EscapeWscSpans { get; init; }

    /// <summary>
    /// ReCoRD: emit one row per query (target = first answer) instead of ATTEMPT's one row per gold answer, which
    /// makes a query weigh as many times as it has answers in training and evaluation.
    /// </summary>
    public bool RecordOneRowPerQuery { get; init; }

    /// <summary>
    /// MRQA tasks (nq, hotpotqa, searchqa, newsqa): format as DePT does, with the task's own name as prefix and task
    /// field and the first answer as target (answers as a list or a tab-joined string), instead of ATTEMPT's
    /// <c>Squad</c> class (prefix "squad"; its tab-joined answers collapse into one space-joined target because
    /// padding punctuation turns the tabs into spaces before the split).
    /// </summary>
    public bool MrqaDeptFormat { get; init; }
}
