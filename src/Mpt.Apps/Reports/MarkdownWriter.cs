using System.Text;

namespace Mpt.Reports;

/// <summary>Renders a <see cref="ReportDocument"/> as GitHub-flavoured Markdown.</summary>
internal static class MarkdownWriter
{
    public static string Render(ReportDocument document)
    {
        var md = new StringBuilder();
        foreach (var block in document.Blocks)
        {
            switch (block)
            {
                case HeadingBlock h:
                    md.Append('#', h.Level).Append(' ').Append(Escape(h.Text)).Append("\n\n");
                    break;
                case ParagraphBlock p:
                    md.Append(Escape(p.Text)).Append("\n\n");
                    break;
                case ListBlock l:
                    foreach (string item in l.Items) md.Append("- ").Append(Escape(item)).Append('\n');
                    md.Append('\n');
                    break;
                case TableBlock t:
                    md.Append("| ").AppendJoin(" | ", t.Header.Select(Escape)).Append(" |\n");
                    md.Append('|').AppendJoin("|", t.RightAligned.Select(r => r ? "---:" : "---")).Append("|\n");
                    foreach (var row in t.Rows)
                        md.Append("| ").AppendJoin(" | ", row.Select(Cell)).Append(" |\n");
                    md.Append('\n');
                    break;
                case FigureBlock f:
                    md.Append("![").Append(Escape(f.Caption)).Append("](").Append(Uri.EscapeDataString(f.FileName)).Append(")\n\n");
                    break;
                case CodeBlock c:
                    md.Append("```").Append(c.Language).Append('\n').Append(c.Text.TrimEnd('\n')).Append("\n```\n\n");
                    break;
                default:
                    throw new NotSupportedException($"unknown report block {block.GetType().Name}.");
            }
        }
        return md.ToString().TrimEnd('\n') + "\n";
    }

    private static string Cell(TableCell cell) => cell.Bold ? $"**{Escape(cell.Text)}**" : Escape(cell.Text);

    /// <summary>
    /// Escapes the characters that would turn names such as <c>a*b|c</c> into markup or break a table. Underscores stay
    /// (GFM does not emphasise inside words, and <c>matthews_corrcoef</c> should read as written).
    /// </summary>
    internal static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c is '\\' or '|' or '*' or '`' or '[' or ']' or '<' or '>') sb.Append('\\');
            sb.Append(c == '\n' ? ' ' : c);
        }
        return sb.ToString();
    }
}
