namespace Mpt.Reports;

/// <summary>
/// A report as a list of blocks, rendered to Markdown (<see cref="MarkdownWriter"/>) and HTML (<see cref="HtmlWriter"/>)
/// from the same content, so the two versions cannot drift apart.
/// </summary>
internal sealed class ReportDocument
{
    public List<ReportBlock> Blocks { get; } = [];

    public ReportDocument Add(ReportBlock block)
    {
        Blocks.Add(block);
        return this;
    }
}

/// <summary>A piece of a report.</summary>
internal abstract record ReportBlock;

/// <summary>A section title (level 1 = document title).</summary>
internal sealed record HeadingBlock(int Level, string Text) : ReportBlock;

/// <summary>A paragraph of plain text.</summary>
internal sealed record ParagraphBlock(string Text) : ReportBlock;

/// <summary>A bulleted list of plain-text items.</summary>
internal sealed record ListBlock(IReadOnlyList<string> Items) : ReportBlock;

/// <summary>A table; <paramref name="RightAligned"/>[c] right-aligns column c (numbers).</summary>
internal sealed record TableBlock(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<TableCell>> Rows, IReadOnlyList<bool> RightAligned) : ReportBlock;

/// <summary>A table cell; bold marks the best value of a row.</summary>
internal sealed record TableCell(string Text, bool Bold = false)
{
    public static implicit operator TableCell(string text) => new(text);
}

/// <summary>An image stored next to the report (<paramref name="FileName"/> relative to the report folder).</summary>
internal sealed record FigureBlock(string FileName, string Caption) : ReportBlock;

/// <summary>Preformatted text, e.g. the run's JSON config.</summary>
internal sealed record CodeBlock(string Language, string Text) : ReportBlock;
