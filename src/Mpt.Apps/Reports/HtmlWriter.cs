using System.Text;

namespace Mpt.Reports;

/// <summary>Renders a <see cref="ReportDocument"/> as a self-contained HTML page with the PNGs embedded as data URIs.</summary>
internal static class HtmlWriter
{
    /// <param name="document">The report.</param>
    /// <param name="reportFolder">Folder holding the figures, read to embed them.</param>
    public static string Render(ReportDocument document, string reportFolder)
    {
        string title = document.Blocks.OfType<HeadingBlock>().FirstOrDefault()?.Text ?? "Run report";
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(E(title)).Append("</title>\n")
            .Append("<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}")
            .Append("table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #bbb;padding:4px 10px}th{background:#eee}")
            .Append("td.num{text-align:right;font-variant-numeric:tabular-nums}img{max-width:100%}pre{background:#f6f6f6;padding:1em;overflow-x:auto}")
            .Append("figcaption{color:#555;font-size:90%}</style>\n</head>\n<body>\n");
        foreach (var block in document.Blocks)
        {
            switch (block)
            {
                case HeadingBlock h:
                    html.Append($"<h{h.Level}>").Append(E(h.Text)).Append($"</h{h.Level}>\n");
                    break;
                case ParagraphBlock p:
                    html.Append("<p>").Append(E(p.Text)).Append("</p>\n");
                    break;
                case ListBlock l:
                    html.Append("<ul>\n");
                    foreach (string item in l.Items) html.Append("<li>").Append(E(item)).Append("</li>\n");
                    html.Append("</ul>\n");
                    break;
                case TableBlock t:
                    html.Append("<table>\n<tr>");
                    foreach (string h in t.Header) html.Append("<th>").Append(E(h)).Append("</th>");
                    html.Append("</tr>\n");
                    foreach (var row in t.Rows)
                    {
                        html.Append("<tr>");
                        for (int c = 0; c < row.Count; c++)
                        {
                            html.Append(t.RightAligned[c] ? "<td class=\"num\">" : "<td>");
                            html.Append(row[c].Bold ? $"<b>{E(row[c].Text)}</b>" : E(row[c].Text)).Append("</td>");
                        }
                        html.Append("</tr>\n");
                    }
                    html.Append("</table>\n");
                    break;
                case FigureBlock f:
                    string png = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(reportFolder, f.FileName)));
                    html.Append("<figure><img alt=\"").Append(E(f.Caption)).Append("\" src=\"data:image/png;base64,").Append(png)
                        .Append("\"><figcaption>").Append(E(f.Caption)).Append("</figcaption></figure>\n");
                    break;
                case CodeBlock c:
                    html.Append("<pre><code>").Append(E(c.Text)).Append("</code></pre>\n");
                    break;
                default:
                    throw new NotSupportedException($"unknown report block {block.GetType().Name}.");
            }
        }
        return html.Append("</body>\n</html>\n").ToString();
    }

    // Only the markup characters: WebUtility.HtmlEncode would also turn "±" and "—" into numeric entities, which the
    // UTF-8 page does not need and which make the source hard to read.
    private static string E(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}
