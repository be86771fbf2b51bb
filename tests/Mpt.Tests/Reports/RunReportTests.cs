using Mpt.Reports;
using Xunit;

namespace Mpt.Tests.Reports;

public sealed class RunReportTests
{
    [Fact]
    public void Should_Write_Tables_With_The_Right_Numbers_And_The_Best_Method_Bold()
    {
        // Given: a complete synthetic run folder
        using var run = new SyntheticRunFolder().WithMetrics().WithPromptFiles().WithResults(SyntheticRunFolder.Results(SyntheticRunFolder.Prompts));

        // When
        var output = RunReport.Write(run.Path);
        string md = File.ReadAllText(output.Markdown);

        // Then: results, ordered PT, SPoT, MPT, ablation; mean ± sample std; a single seed shows the mean alone
        Assert.Contains("| Task | Metric | PT | SPoT | MPT | mpt-no-kd |\n|---|---|---:|---:|---:|---:|\n", md);
        Assert.Contains("| rte | accuracy | 72.0 ± 2.0 | 76.0 ± 0.7 | **80.0 ± 1.0** | 77.5 ± 0.7 |\n", md);
        Assert.Contains("| cola | matthews_corrcoef | 10.0 | **30.0 ± 1.4** | 28.0 ± 1.4 | 25.0 |\n", md);
        // 65.04 and 65.01 print alike: both bold; the missing ablation is a dash
        Assert.Contains("| boolq | accuracy | **65.0** | 64.0 | **65.0** | — |\n", md);
        // averages over the three tasks; mpt-no-kd lacks boolq, so no average
        Assert.Contains("| Average |  | 49.0 | 56.7 | **57.7** | — |\n", md);

        // parameters: the range when tasks differ, % of the 222,903,552-parameter backbone
        Assert.Contains("| PT | 76,800 | 0.0345 % |\n", md);
        Assert.Contains("| MPT | 868 | 0.000389 % |\n", md);
        Assert.Contains("| mpt-no-kd | 868 – 1,736 | 0.000389 % – 0.000779 % |\n", md);

        // wall clock in pipeline order with the median logged throughput
        Assert.Contains("| teacher | 1:28:41 | 5321.4 | 60,000 | 1500 |\n| distill | 1:00:00 | 3600.0 | 20,000 | 1301 |\n| adapt | 0:20:35 | 1234.6 | 600 | 900 |\n", md);
        Assert.Contains("| **Total** | **2:49:16** | **10156.0** |  |  |\n", md);

        // model and config sections; the one gap is the ablation not run on boolq
        Assert.Contains("- parameters: 222,903,552 (frozen)\n", md);
        Assert.Contains("\"prompt_length\": 100", md);
        Assert.Equal(["no result for mpt-no-kd on boolq (shown as —)."], output.Missing);
        Assert.Contains("## Missing from this run\n\n- no result for mpt-no-kd on boolq (shown as —).\n", md);
    }

    [Fact]
    public void Should_Name_The_Dtype_And_How_Auto_Chose_It()
    {
        var choice = new Mpt.Numerics.DtypeChoice("bfloat16", Mpt.Numerics.DtypeChoice.Cached, "bfloat16 GEMM 300.0 GFLOP/s vs float32 100.0 GFLOP/s = 3.00×");
        using var run = new SyntheticRunFolder().WithResults(SyntheticRunFolder.Results(SyntheticRunFolder.Prompts) with { DtypeChoice = choice });

        string md = File.ReadAllText(RunReport.Write(run.Path).Markdown);

        Assert.Contains("- dtype: bfloat16, chosen by model.dtype auto (cache): bfloat16 GEMM 300.0 GFLOP/s vs float32 100.0 GFLOP/s = 3.00×\n", md);
    }

    [Fact]
    public void Should_Draw_Every_Plot_As_A_Non_Trivial_Png_Of_The_Requested_Size()
    {
        using var run = new SyntheticRunFolder().WithMetrics().WithPromptFiles().WithResults(SyntheticRunFolder.Results(SyntheticRunFolder.Prompts));
        var options = new ReportOptions { PlotWidth = 800, PlotHeight = 450, HeatmapSize = 600, LossSmoothingWindow = 3 };

        var output = RunReport.Write(run.Path, options);

        string report = System.IO.Path.Combine(run.Path, RunReport.FolderName);
        string[] lines = ["loss_teacher.png", "loss_distill.png", "loss_adapt.png", "dev_teacher.png", "dev_adapt.png"];
        string[] heatmaps = ["similarity_teachers.png", "similarity_mpt.png"];
        Assert.Equal([.. lines, .. heatmaps], output.Figures.Select(System.IO.Path.GetFileName));
        foreach (string png in lines) PngFile.AssertPlot(System.IO.Path.Combine(report, png), 800, 450);
        foreach (string png in heatmaps) PngFile.AssertPlot(System.IO.Path.Combine(report, png), 600 + 120, 600);

        // every figure is referenced by both reports; the HTML embeds them
        string md = File.ReadAllText(output.Markdown), html = File.ReadAllText(output.Html!);
        foreach (string png in output.Figures.Select(f => System.IO.Path.GetFileName(f)))
            Assert.Contains($"]({png})", md);
        Assert.Equal(output.Figures.Count, html.Split("src=\"data:image/png;base64,iVBORw0KGgo").Length - 1);
        Assert.Contains("<td class=\"num\"><b>80.0 ± 1.0</b></td>", html);
        Assert.Contains("Moving average over 3 logged steps", md);
    }

    [Fact]
    public void Should_Put_The_Hand_Computed_Cosine_Similarities_In_The_Report()
    {
        using var run = new SyntheticRunFolder().WithPromptFiles().WithResults(SyntheticRunFolder.Results(SyntheticRunFolder.Prompts));

        string md = File.ReadAllText(RunReport.Write(run.Path).Markdown);

        // teachers: cos(mnli, qqp) = 2 / (√2 · 2) = 0.71
        Assert.Contains("|  | mnli | qqp |\n|---|---:|---:|\n| mnli | 1.00 | 0.71 |\n| qqp | 0.71 | 1.00 |\n", md);
        // task matrices u_k v_k: cos = cos(u)·cos(v) → 1/√2, 0 and 1/2
        Assert.Contains("| mnli | 1.00 | 0.71 | 0.00 |\n| qqp | 0.71 | 1.00 | 0.50 |\n| sst2 | 0.00 | 0.50 | 1.00 |\n", md);
    }

    [Fact]
    public void Should_Say_What_Is_Missing_When_The_Folder_Has_Only_A_Log_Without_Dev_Scores()
    {
        using var run = new SyntheticRunFolder().WithMetrics(devScores: false);

        var output = RunReport.Write(run.Path);
        string md = File.ReadAllText(output.Markdown);

        Assert.Contains("## Missing from this run", md);
        Assert.Contains("- results.json not found: no results, parameter or wall-clock tables and no task-similarity heatmaps.\n", md);
        Assert.Contains("- no dev_score in metrics.jsonl: no dev-metric plot.\n", md);
        Assert.Equal(["loss_teacher.png", "loss_distill.png", "loss_adapt.png"], output.Figures.Select(System.IO.Path.GetFileName));
        Assert.DoesNotContain("## Results", md);
        Assert.DoesNotContain("## Dev metric", md);
    }

    [Fact]
    public void Should_Say_What_Is_Missing_With_One_Method_No_Prompts_And_No_Log()
    {
        // Given: results of MPT alone, no prompt files, no metrics.jsonl
        var full = SyntheticRunFolder.Results();
        var mptOnly = full with
        {
            Targets = full.Targets!.ToDictionary(t => t.Key, t => (IReadOnlyDictionary<string, MethodResult>)new Dictionary<string, MethodResult> { ["mpt"] = t.Value["mpt"] }),
            Stages = null,
        };
        using var run = new SyntheticRunFolder().WithResults(mptOnly);

        var output = RunReport.Write(run.Path, new ReportOptions { WriteHtml = false });
        string md = File.ReadAllText(output.Markdown);

        Assert.Equal(
        [
            "only one method (MPT) in results.json: the results table compares nothing.",
            "results.json has no stage timings: no wall-clock table.",
            "metrics.jsonl not found: no training-loss or dev-metric plots.",
            "results.json lists no prompt files: no task-similarity heatmap.",
        ], output.Missing);
        foreach (string item in output.Missing) Assert.Contains("- " + item + "\n", md);
        Assert.Contains("| rte | accuracy | **80.0 ± 1.0** |\n", md);
        Assert.Empty(output.Figures);
        Assert.Null(output.Html);
        Assert.False(File.Exists(System.IO.Path.Combine(run.Path, RunReport.FolderName, RunReport.HtmlFile)));
    }

    [Fact]
    public void Should_Report_A_Listed_Prompt_File_That_Is_Absent_Instead_Of_Failing()
    {
        using var run = new SyntheticRunFolder().WithResults(SyntheticRunFolder.Results(SyntheticRunFolder.Prompts));

        var output = RunReport.Write(run.Path);

        Assert.Contains("teacher prompt of mnli (prompts/teacher-mnli.safetensors) not found: left out of the teacher heatmap.", output.Missing);
        Assert.Contains("fewer than two teacher prompt files: no teacher-prompt similarity heatmap.", output.Missing);
        Assert.Contains("multitask prompt prompts/multitask.safetensors not found: no MPT task-similarity heatmap.", output.Missing);
        Assert.DoesNotContain(output.Figures, f => f.Contains("similarity"));
    }

    [Fact]
    public void Should_Name_The_File_And_Line_Of_A_Malformed_Metrics_Record()
    {
        using var run = new SyntheticRunFolder().WithMetrics();
        string path = run.File(MetricsLog.FileName);
        var lines = File.ReadAllLines(path).ToList();
        lines[6] = lines[6][..^5]; // truncated JSON on line 7

        File.WriteAllLines(path, lines);
        var truncated = Assert.Throws<InvalidDataException>(() => RunReport.Write(run.Path));
        Assert.StartsWith($"{path}:7: not a valid metrics record", truncated.Message);

        lines[6] = """{"stage": "teacher", "task": "mnli", "method": "mpt", "seed": 1, "step": 7}""";
        File.WriteAllLines(path, lines);
        var noLoss = Assert.Throws<InvalidDataException>(() => RunReport.Write(run.Path));
        Assert.StartsWith($"{path}:7: not a valid metrics record", noLoss.Message);
        Assert.Contains("loss", noLoss.Message);

        // Step 0 (the initial evaluation) has no loss but must carry its dev score.
        lines[6] = """{"stage": "teacher", "task": "mnli", "method": "mpt", "seed": 1, "step": 0}""";
        File.WriteAllLines(path, lines);
        var noDev = Assert.Throws<InvalidDataException>(() => RunReport.Write(run.Path));
        Assert.Contains("dev_score", noDev.Message);

        lines[6] = """{"stage": "", "task": "mnli", "method": "mpt", "seed": 1, "step": 7, "loss": 1.0}""";
        File.WriteAllLines(path, lines);
        var emptyStage = Assert.Throws<InvalidDataException>(() => RunReport.Write(run.Path));
        Assert.Equal($"{path}:7: not a valid metrics record ('stage' must be a non-empty string.).", emptyStage.Message);
    }

    [Fact]
    public void Should_Replace_The_Figures_Of_An_Earlier_Report()
    {
        using var run = new SyntheticRunFolder().WithMetrics().WithPromptFiles().WithResults(SyntheticRunFolder.Results(SyntheticRunFolder.Prompts));
        RunReport.Write(run.Path);
        File.Delete(run.File(MetricsLog.FileName));

        var second = RunReport.Write(run.Path);

        var pngs = Directory.GetFiles(System.IO.Path.Combine(run.Path, RunReport.FolderName), "*.png").Select(System.IO.Path.GetFileName).Order();
        Assert.Equal(["similarity_mpt.png", "similarity_teachers.png"], pngs);
        Assert.Equal(2, second.Figures.Count);
    }
}
