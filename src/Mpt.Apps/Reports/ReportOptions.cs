namespace Mpt.Reports;

/// <summary>How <see cref="RunReport"/> draws the report.</summary>
public sealed record ReportOptions
{
    /// <summary>Title of the report; default "Run report: &lt;folder name&gt;".</summary>
    public string? Title { get; init; }

    /// <summary>Plot the training loss on a log₁₀ axis (losses of prompt tuning fall over decades). Non-positive losses
    /// cannot be drawn on it and are left out (the report says how many).</summary>
    public bool LogScaleLoss { get; init; } = true;

    /// <summary>Trailing moving-average window, in logged points, applied to loss curves (1 = raw values).</summary>
    public int LossSmoothingWindow { get; init; } = 1;

    /// <summary>What the multitask heatmap compares: the task matrices u_k v_k (default) or the composed prompts.</summary>
    public MultitaskSimilarity MultitaskSimilarity { get; init; } = MultitaskSimilarity.TaskMatrices;

    /// <summary>Decimals of the scores in the results table.</summary>
    public int ScoreDecimals { get; init; } = 1;

    /// <summary>Width of the line plots, pixels.</summary>
    public int PlotWidth { get; init; } = 900;

    /// <summary>Height of the line plots, pixels.</summary>
    public int PlotHeight { get; init; } = 500;

    /// <summary>Width and height of the heatmaps, pixels (square plus room for the colour bar).</summary>
    public int HeatmapSize { get; init; } = 700;

    /// <summary>Also write <c>report.html</c> with the PNGs embedded (one self-contained file to send around).</summary>
    public bool WriteHtml { get; init; } = true;

    /// <summary>Checks the values; the message names the option.</summary>
    /// <exception cref="ArgumentException">A bad value.</exception>
    public void Validate()
    {
        if (LossSmoothingWindow < 1) throw new ArgumentException($"LossSmoothingWindow must be ≥ 1, got {LossSmoothingWindow}.");
        if (ScoreDecimals is < 0 or > 6) throw new ArgumentException($"ScoreDecimals must be in 0..6, got {ScoreDecimals}.");
        if (PlotWidth < 200 || PlotHeight < 150) throw new ArgumentException($"PlotWidth × PlotHeight must be at least 200 × 150, got {PlotWidth} × {PlotHeight}.");
        if (HeatmapSize < 200) throw new ArgumentException($"HeatmapSize must be at least 200, got {HeatmapSize}.");
    }
}
