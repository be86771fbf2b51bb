using System.Globalization;
using ScottPlot;

namespace Mpt.Reports;

/// <summary>
/// The report's PNG figures, drawn with ScottPlot (headless through SkiaSharp; docs/stack.md §1). Each figure is rendered
/// to bytes and written atomically, so a half-written PNG never sits under its final name.
/// </summary>
internal static class ReportPlots
{
    // Line patterns distinguish methods when colours distinguish tasks (adaptation plots hold tasks × methods lines).
    private const int MaxAnnotatedTasks = 15;

    private static readonly LinePattern[] Patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];

    /// <summary>
    /// Lines of one stage against steps: colour per task, line pattern per method. With <paramref name="logY"/> the
    /// values are drawn as log₁₀ and the axis labelled with the real values; non-positive values are dropped.
    /// </summary>
    /// <returns>The number of points dropped for the log axis.</returns>
    public static int Lines(string path, string title, string yLabel, IReadOnlyList<TrainingCurve> curves, bool logY, int width, int height)
    {
        var plot = new Plot();
        var tasks = curves.Select(c => c.Key.Task).Distinct().ToList();
        var methods = MethodNames.Order(curves.Select(c => c.Key.Method));
        var palette = new ScottPlot.Palettes.Category10();
        int dropped = 0;
        double logMin = double.PositiveInfinity, logMax = double.NegativeInfinity;
        foreach (var curve in curves)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < curve.Steps.Length; i++)
            {
                double y = curve.Values[i];
                if (logY)
                {
                    if (!(y > 0)) { dropped++; continue; }
                    y = Math.Log10(y);
                    logMin = Math.Min(logMin, y);
                    logMax = Math.Max(logMax, y);
                }
                xs.Add(curve.Steps[i]);
                ys.Add(y);
            }
            if (xs.Count == 0) continue;
            var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray());
            line.Color = palette.GetColor(tasks.IndexOf(curve.Key.Task));
            line.LinePattern = Patterns[methods.IndexOf(curve.Key.Method) % Patterns.Length];
            line.LineWidth = 2;
            line.MarkerSize = xs.Count == 1 ? 6 : 0; // a single logged point would otherwise be invisible
            line.LegendText = curve.SeedCount > 1 ? $"{curve.Key.Label} ({curve.SeedCount} seeds)" : curve.Key.Label;
        }
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel(logY ? yLabel + " (log scale)" : yLabel);
        if (logY && logMin <= logMax)
        {
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            double min = Math.Pow(10, logMin), max = Math.Pow(10, logMax);
            foreach (double minor in LogAxisTicks.Minor(min, max)) ticks.AddMinor(Math.Log10(minor));
            foreach (double major in LogAxisTicks.Major(min, max)) ticks.AddMajor(Math.Log10(major), major.ToString("G4", CultureInfo.InvariantCulture));
            plot.Axes.Left.TickGenerator = ticks;
        }
        plot.ShowLegend(Edge.Right);
        Save(plot, path, width, height);
        return dropped;
    }

    /// <summary>
    /// A task × task heatmap with the task names on both axes (row 0 at the top, as the matrix is printed), each cell
    /// annotated with its value (up to 15 tasks), and a colour bar.
    /// </summary>
    public static void Heatmap(string path, SimilarityMatrix matrix, int size)
    {
        int n = matrix.Count;
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(matrix.Values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        // Cell (r, c) centred at x = c, y = n − 1 − r: the first task is the top row and the left column.
        heatmap.Extent = new CoordinateRect(-0.5, n - 0.5, -0.5, n - 0.5);
        var colorBar = plot.Add.ColorBar(heatmap);
        colorBar.Label = "cosine similarity";
        colorBar.Axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { TargetTickCount = 6 };

        var range = heatmap.DataRange;
        double mid = (range.Min + range.Max) / 2;
        int fontSize = Math.Clamp(size / (3 * Math.Max(n, 1)), 8, 16);
        // Beyond ~15 tasks the numbers no longer fit their cells; the table under the figure still has them.
        for (int r = 0; r < n && n <= MaxAnnotatedTasks; r++)
            for (int c = 0; c < n; c++)
            {
                double value = matrix.Values[r, c];
                var text = plot.Add.Text(double.IsNaN(value) ? "n/a" : value.ToString("F2", CultureInfo.InvariantCulture), c, n - 1 - r);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = fontSize;
                // Viridis is dark at the low end: white text there, black on the bright end.
                text.LabelFontColor = double.IsNaN(value) || value < mid ? Colors.White : Colors.Black;
            }

        var xTicks = new ScottPlot.TickGenerators.NumericManual();
        var yTicks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < n; i++)
        {
            xTicks.AddMajor(i, matrix.Labels[i]);
            yTicks.AddMajor(n - 1 - i, matrix.Labels[i]);
        }
        plot.Axes.Bottom.TickGenerator = xTicks;
        plot.Axes.Left.TickGenerator = yTicks;
        if (matrix.Labels.Any(l => l.Length > 6))
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
            // ScottPlot sizes the axis for unrotated labels, which clips rotated ones: reserve their diagonal height.
            plot.Axes.Bottom.MinimumSize = 16 + 6.5f * matrix.Labels.Max(l => l.Length);
        }
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.Title($"Task similarity: {matrix.Title}");
        Save(plot, path, size + 120, size);
    }

    private static void Save(Plot plot, string path, int width, int height)
    {
        byte[] png = plot.GetImageBytes(width, height, ImageFormat.Png);
        Mpt.Serialization.AtomicFile.WriteAllBytes(path, png);
    }
}
