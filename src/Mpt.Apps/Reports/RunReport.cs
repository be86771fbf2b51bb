using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mpt.Reports;

/// <summary>
/// Writes a readable report of a pipeline run folder: <c>report/report.md</c> (and <c>report/report.html</c>) with
/// the results table (per target task PT vs SPoT vs MPT and ablations, mean ± std over seeds, best per row in bold),
/// trainable parameters, wall clock per stage, and PNG plots of the training loss and dev metric over steps and of
/// task similarity from the learned prompts.
/// </summary>
/// <remarks>
/// Inputs, all optional (what is missing is listed at the top of the report instead of failing):
/// <list type="bullet">
/// <item><c>metrics.jsonl</c> — <see cref="StepMetrics"/> per line (<see cref="MetricsLog"/>): loss and dev plots, throughput.</item>
/// <item><c>results.json</c> — <see cref="RunResults"/>: tables, model, config and the prompt files of the heatmaps.</item>
/// <item>prompt files named in <c>results.json</c> (<see cref="PromptFiles"/>): task-similarity heatmaps.</item>
/// </list>
/// Damaged inputs (a malformed JSONL line, invalid JSON, a prompt file without the expected tensors) are errors naming
/// the file (and line), because a report silently built from half a file would mislead.
/// </remarks>
public static class RunReport
{
    /// <summary>Sub-folder of the run folder the report goes to.</summary>
    public const string FolderName = "report";

    /// <summary>Markdown report file name.</summary>
    public const string MarkdownFile = "report.md";

    /// <summary>HTML report file name.</summary>
    public const string HtmlFile = "report.html";

    /// <summary>Writes the report of <paramref name="runFolder"/> into <c>runFolder/report/</c>, replacing an earlier one.</summary>
    /// <exception cref="DirectoryNotFoundException">The run folder does not exist.</exception>
    /// <exception cref="InvalidDataException">A damaged input file (named in the message).</exception>
    public static ReportOutput Write(string runFolder, ReportOptions? options = null)
    {
        options ??= new ReportOptions();
        options.Validate();
        runFolder = Path.GetFullPath(runFolder);
        if (!Directory.Exists(runFolder)) throw new DirectoryNotFoundException($"{runFolder}: run folder not found.");
        string reportFolder = Path.Combine(runFolder, FolderName);
        Directory.CreateDirectory(reportFolder);
        foreach (string stale in Directory.EnumerateFiles(reportFolder, "*.png")) File.Delete(stale); // figures of an earlier report

        var missing = new List<string>();
        var figures = new List<string>();

        string resultsPath = Path.Combine(runFolder, RunResults.FileName);
        RunResults? results = File.Exists(resultsPath) ? RunResults.Read(resultsPath) : null;
        string metricsPath = Path.Combine(runFolder, MetricsLog.FileName);
        List<StepMetrics>? metrics = File.Exists(metricsPath) ? MetricsLog.Read(metricsPath) : null;

        var body = new ReportDocument();
        if (results is null)
            missing.Add($"{RunResults.FileName} not found: no results, parameter or wall-clock tables and no task-similarity heatmaps.");
        else
        {
            AddModel(body, results);
            AddResultTables(body, results, metrics, options, missing);
        }
        AddTrainingPlots(body, metrics, reportFolder, options, missing, figures);
        if (results is not null) AddSimilarity(body, runFolder, reportFolder, results, options, missing, figures);
        if (results?.Config is { } config)
        {
            body.Add(new HeadingBlock(2, "Configuration"));
            body.Add(new CodeBlock("json", config.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
        }

        var document = new ReportDocument();
        document.Add(new HeadingBlock(1, options.Title ?? $"Run report: {Path.GetFileName(runFolder)}"));
        if (missing.Count > 0)
        {
            document.Add(new HeadingBlock(2, "Missing from this run"));
            document.Add(new ListBlock(missing));
        }
        document.Blocks.AddRange(body.Blocks);

        string markdown = Path.Combine(reportFolder, MarkdownFile);
        Mpt.Serialization.AtomicFile.WriteAllText(markdown, MarkdownWriter.Render(document));
        string? html = null;
        if (options.WriteHtml)
        {
            html = Path.Combine(reportFolder, HtmlFile);
            Mpt.Serialization.AtomicFile.WriteAllText(html, HtmlWriter.Render(document, reportFolder));
        }
        return new ReportOutput(markdown, html, figures, missing);
    }

    private static void AddModel(ReportDocument doc, RunResults results)
    {
        if (results.Model is not { } model) return;
        doc.Add(new HeadingBlock(2, "Model"));
        var items = new List<string> { $"name: {model.Name}" };
        if (model.Architecture is { } arch) items.Add($"architecture: {arch}");
        if (model.TotalParams is { } total) items.Add($"parameters: {total.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} (frozen)");
        if (model.Fingerprint is { } fingerprint) items.Add($"weights fingerprint: {fingerprint}");
        if (results.Numerics is { } numerics) items.Add($"numerics: {numerics.Describe()}");
        if (results.DtypeChoice is { } dtype) items.Add($"dtype: {dtype.Resolved}, chosen by model.dtype auto ({dtype.Source}): {dtype.Reason}");
        // The config is free-form (results.json keeps it verbatim): read the dtype only where it has the usual shape.
        else if (results.Config?["model"] is JsonObject section && section["dtype"] is JsonValue value && value.TryGetValue(out string? configured))
            items.Add($"dtype: {configured}");
        doc.Add(new ListBlock(items));
    }

    private static void AddResultTables(ReportDocument doc, RunResults results, List<StepMetrics>? metrics, ReportOptions options, List<string> missing)
    {
        if (results.Targets is { Count: > 0 } targets)
        {
            var methods = MethodNames.Order(targets.Values.SelectMany(m => m.Keys));
            doc.Add(new HeadingBlock(2, "Results"));
            doc.Add(new ParagraphBlock("Test score per target task (mean ± standard deviation over seeds; the mean alone for one seed). " +
                                       "The best method of each row is in bold."));
            doc.Add(ReportTables.Results(targets, options.ScoreDecimals));
            if (results.Comparisons is { } comparisons) ComparisonLines.AddTo(doc, comparisons);
            else if (methods.Count > 1) doc.Add(new ParagraphBlock(ComparisonLines.NoneRecorded));
            if (methods.Count == 1)
                missing.Add($"only one method ({MethodNames.Display(methods[0])}) in {RunResults.FileName}: the results table compares nothing.");
            foreach (var (task, byMethod) in targets)
            {
                var absent = methods.Where(m => !byMethod.ContainsKey(m)).Select(MethodNames.Display).ToList();
                if (absent.Count > 0) missing.Add($"no result for {string.Join(", ", absent)} on {task} (shown as {ReportTables.None}).");
            }
            doc.Add(new HeadingBlock(2, "Trainable parameters"));
            doc.Add(ReportTables.Parameters(targets, results.Model?.TotalParams));
        }
        else
            missing.Add($"{RunResults.FileName} has no target results: no results or parameter tables.");

        if (results.Stages is { Count: > 0 } stages)
        {
            doc.Add(new HeadingBlock(2, "Wall clock"));
            doc.Add(ReportTables.WallClock(stages, metrics));
        }
        else
            missing.Add($"{RunResults.FileName} has no stage timings: no wall-clock table.");
    }

    private static void AddTrainingPlots(ReportDocument doc, List<StepMetrics>? metrics, string reportFolder, ReportOptions options,
        List<string> missing, List<string> figures)
    {
        if (metrics is null)
        {
            missing.Add($"{MetricsLog.FileName} not found: no training-loss or dev-metric plots.");
            return;
        }
        if (metrics.Count == 0)
        {
            missing.Add($"{MetricsLog.FileName} has no records: no training-loss or dev-metric plots.");
            return;
        }

        var lossCurves = TrainingCurve.From(metrics, m => m.Loss).Select(c => c.Smoothed(options.LossSmoothingWindow)).ToList();
        doc.Add(new HeadingBlock(2, "Training loss"));
        if (options.LossSmoothingWindow > 1)
            doc.Add(new ParagraphBlock($"Moving average over {options.LossSmoothingWindow} logged steps; seeds averaged per step."));
        foreach (var stage in lossCurves.GroupBy(c => c.Key.Stage))
        {
            string file = $"loss_{FileSafe(stage.Key)}.png";
            int dropped = ReportPlots.Lines(Path.Combine(reportFolder, file), $"Training loss: {stage.Key}", "loss", stage.ToList(),
                options.LogScaleLoss, options.PlotWidth, options.PlotHeight);
            if (dropped > 0) missing.Add($"{dropped} non-positive loss value(s) of stage {stage.Key} cannot be drawn on the log axis and were left out.");
            figures.Add(Path.Combine(reportFolder, file));
            doc.Add(new FigureBlock(file, $"Training loss over steps, stage {stage.Key}"));
        }

        var devCurves = TrainingCurve.From(metrics, m => m.DevScore);
        if (devCurves.Count == 0)
        {
            missing.Add($"no dev_score in {MetricsLog.FileName}: no dev-metric plot.");
            return;
        }
        doc.Add(new HeadingBlock(2, "Dev metric"));
        foreach (var stage in devCurves.GroupBy(c => c.Key.Stage))
        {
            string file = $"dev_{FileSafe(stage.Key)}.png";
            ReportPlots.Lines(Path.Combine(reportFolder, file), $"Dev metric: {stage.Key}", "dev score", stage.ToList(),
                logY: false, options.PlotWidth, options.PlotHeight);
            figures.Add(Path.Combine(reportFolder, file));
            doc.Add(new FigureBlock(file, $"Dev metric over steps, stage {stage.Key}"));
        }
    }

    private static void AddSimilarity(ReportDocument doc, string runFolder, string reportFolder, RunResults results, ReportOptions options,
        List<string> missing, List<string> figures)
    {
        var matrices = new List<(string File, SimilarityMatrix Matrix)>();
        var prompts = results.Prompts;
        if (prompts?.Teachers is { } teachers)
        {
            var present = teachers.Where(t => File.Exists(Path.Combine(runFolder, t.Value))).ToDictionary(t => t.Key, t => t.Value);
            foreach (var (task, file) in teachers.Where(t => !present.ContainsKey(t.Key)))
                missing.Add($"teacher prompt of {task} ({file}) not found: left out of the teacher heatmap.");
            if (present.Count >= 2) matrices.Add(("similarity_teachers.png", TaskSimilarity.ReadTeacherPrompts(runFolder, present)));
            else missing.Add("fewer than two teacher prompt files: no teacher-prompt similarity heatmap.");
        }
        if (prompts?.Multitask is { } multitask)
        {
            if (!File.Exists(Path.Combine(runFolder, multitask.Path)))
                missing.Add($"multitask prompt {multitask.Path} not found: no MPT task-similarity heatmap.");
            else if (multitask.Tasks.Count < 2)
                missing.Add($"the multitask prompt {multitask.Path} has one task: no MPT task-similarity heatmap.");
            else
                matrices.Add(("similarity_mpt.png", TaskSimilarity.ReadMultitaskPrompt(runFolder, multitask, options.MultitaskSimilarity)));
        }
        if (prompts?.Teachers is null && prompts?.Multitask is null)
            missing.Add($"{RunResults.FileName} lists no prompt files: no task-similarity heatmap.");
        if (matrices.Count == 0) return;

        doc.Add(new HeadingBlock(2, "Task similarity"));
        doc.Add(new ParagraphBlock("Cosine similarity between the flattened per-task prompt tensors."));
        foreach (var (file, matrix) in matrices)
        {
            ReportPlots.Heatmap(Path.Combine(reportFolder, file), matrix, options.HeatmapSize);
            figures.Add(Path.Combine(reportFolder, file));
            doc.Add(new FigureBlock(file, $"Task similarity: {matrix.Title}"));
            doc.Add(ReportTables.Similarity(matrix));
        }
    }

    /// <summary>A stage name usable in a file name (anything but letters, digits, '-' and '_' becomes '_').</summary>
    private static string FileSafe(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
}
