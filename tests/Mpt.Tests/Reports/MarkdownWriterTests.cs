using Mpt.Reports;
using Xunit;

namespace Mpt.Tests.Reports;

public sealed class MarkdownWriterTests
{
    [Fact]
    public void Should_Escape_Names_That_Would_Break_A_Table_Or_Become_Markup()
    {
        // Given: a task name with a pipe and a star, a metric with underscores
        var doc = new ReportDocument()
            .Add(new HeadingBlock(2, "Results"))
            .Add(new TableBlock(["Task", "Score"], [[new TableCell("a|b*c"), new TableCell("1.0", Bold: true)], [new TableCell("matthews_corrcoef"), new TableCell("<2>")]], [false, true]));

        string md = MarkdownWriter.Render(doc);
        string html = HtmlWriter.Render(doc, Path.GetTempPath());

        Assert.Equal("## Results\n\n| Task | Score |\n|---|---:|\n| a\\|b\\*c | **1.0** |\n| matthews_corrcoef | \\<2\\> |\n", md);
        Assert.Contains("<tr><td>a|b*c</td><td class=\"num\"><b>1.0</b></td></tr>", html);
        Assert.Contains("<td class=\"num\">&lt;2&gt;</td>", html);
    }
}
