using System.Text.Json;
using System.Text.Json.Nodes;
using Mpt.Checkpoints;
using Mpt.Cli;
using Mpt.Pipeline;
using Mpt.Prompts;
using Mpt.Reports;
using Mpt.Runs;
using Mpt.Tests.Reports;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>The pipeline verbs end to end, in-process, on a tiny random T5 and GLUE-shaped JSONL data.</summary>
public sealed class PipelineCommandTests : IDisposable
{
    private readonly PipelineWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private static JsonNode Json(string path) => JsonNode.Parse(File.ReadAllText(path))!;

    [Fact]
    public void Run_Should_Fill_The_Run_Folder_And_Report_Every_Method_Over_Seeds()
    {
        string config = _ws.WriteConfig();
        string runDir = _ws.PathOf("run");
        var r = CliRunner.Run("run", "--config", config, "--run-dir", runDir, "--baseline", "pt", "--baseline", "spot", "--seeds", "2", "--quiet");
        Assert.True(r.ExitCode == MptCli.Ok, r.Error + r.Output);

        // Resolved config: file values, flag values and defaults all present.
        var resolved = Json(Path.Combine(runDir, "config.json"));
        Assert.Equal(4, resolved["distill"]!["prompt_length"]!.GetValue<int>());
        Assert.Equal(0.9, resolved["distill"]!["lambda"]!.GetValue<double>());
        Assert.Equal(["mpt", "pt", "spot"], resolved["adapt"]!["methods"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal([42UL, 43UL], resolved["adapt"]!["seeds"]!.AsArray().Select(m => m!.GetValue<ulong>()));

        // Metrics: one line per step of every run (log_every_steps 1), in the report's format (stage and method names).
        var metrics = MetricsLog.Read(Path.Combine(runDir, "metrics.jsonl"));
        // 2 teachers + 1 distillation + 3 methods × 2 seeds = 9 runs of 4 steps.
        Assert.Equal(9 * 4, metrics.Count);
        Assert.Equal([StageNames.Adapt, StageNames.Distill, StageNames.Teacher], metrics.Select(m => m.Stage).Distinct().Order());
        Assert.Equal(["pt"], metrics.Where(m => m.Stage == StageNames.Teacher).Select(m => m.Method).Distinct());
        Assert.Equal(["mpt", "pt", "spot"], metrics.Where(m => m.Stage == StageNames.Adapt).Select(m => m.Method).Distinct().Order());
        Assert.Equal([42L, 43L], metrics.Where(m => m.Stage == StageNames.Adapt).Select(m => m.Seed).Distinct().Order());
        var distill = metrics.Where(m => m.Stage == StageNames.Distill).ToList();
        Assert.All(distill, m => Assert.True(m.LossKl is not null && m.LossHidden is not null && m.LossTask is not null && m.Method == "mpt"));
        Assert.All(distill, m => Assert.Equal([PromptParameterGroupNames.Shared, PromptParameterGroupNames.TaskSpecific], m.LrGroups!.Keys.Order()));
        Assert.All(metrics.Where(m => m.Step > 0), m => Assert.True(m.TokensPerS > 0 && m.ElapsedS > 0 && m.StepMs > 0 && m.Lr >= 0 && double.IsFinite(m.Loss!.Value)));
        // A run that scored its initial prompt logs it as step 0: a dev score, no loss, rate or throughput.
        Assert.All(metrics.Where(m => m.Step == 0), m => Assert.True(m.DevScore is not null && m.Loss is null && m.Lr is null && m.TokensPerS is null && m.StepMs is null));
        Assert.All(metrics, m => Assert.Equal(4, m.TotalSteps));
        Assert.Contains(metrics, m => m.Lr > 0); // 0 only during warm-up
        Assert.All(metrics.Where(m => m.Step == m.TotalSteps), m => Assert.NotNull(m.DevScore));

        // Files of every stage: run folders, PEFT adapters with the model record.
        foreach (string teacher in new[] { "mrpc", "cola" })
        {
            string dir = Path.Combine(runDir, "teachers", teacher);
            Assert.True(File.Exists(Path.Combine(dir, RunFolder.PromptFile)));
            Assert.True(Directory.Exists(Path.Combine(dir, RunFolder.CheckpointDir)));
            Assert.Equal("PROMPT_TUNING", Json(Path.Combine(dir, "adapter", "adapter_config.json"))["peft_type"]!.GetValue<string>());
            Assert.True(File.Exists(Path.Combine(dir, "adapter", "mpt_model.json")));
            // The task record: the inputs carried the task prefix (add_prefix defaults to ATTEMPT's true).
            var record = PromptTaskFile.Read(Path.Combine(dir, "adapter"))!;
            Assert.Equal((teacher, "t5", teacher), (record.Task, record.Backbone, record.InputPrefix));
        }
        // A multitask prompt has no one task to record; each target's compressed adapter has its own.
        Assert.Null(PromptTaskFile.Read(Path.Combine(runDir, "distill", "adapter")));
        Assert.Equal("rte", PromptTaskFile.Read(Path.Combine(runDir, "adapt", "rte", "mpt", "seed-42", "adapter-compressed"))!.InputPrefix);
        var distillAdapter = Json(Path.Combine(runDir, "distill", "adapter", "adapter_config.json"));
        Assert.Equal("MULTITASK_PROMPT_TUNING", distillAdapter["peft_type"]!.GetValue<string>());
        Assert.Equal(2, distillAdapter["num_tasks"]!.GetValue<int>());
        string mptRun = Path.Combine(runDir, "adapt", "rte", "mpt", "seed-42");
        Assert.Equal("PROMPT_TUNING", Json(Path.Combine(mptRun, "adapter-compressed", "adapter_config.json"))["peft_type"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(mptRun, "test_results.json")));

        // results.json: per target, method → score ± std over both seeds, parameter counts, wall clock per stage.
        var results = RunResults.Read(Path.Combine(runDir, "results.json"));
        var rte = results.Targets!["rte"];
        Assert.Equal(["mpt", "pt", "spot"], rte.Keys.Order());
        int l = 4, d = _ws.ModelDim();
        Assert.Equal(l * d + (l + d), rte["mpt"].Parameters!.TrainableParameters);
        Assert.Equal(l * d + (l + d), rte["mpt"].TrainableParams);
        Assert.Equal(l * d, rte["pt"].Parameters!.TrainableParameters);
        Assert.Equal(l * d, rte["pt"].TrainableParams);
        foreach (var (method, m) in rte)
        {
            Assert.Equal([42L, 43L], m.Seeds.Select(s => s.Seed));
            // Each seed's score is its run's test evaluation (accuracy on n test rows: a multiple of 100/n); the mean
            // is theirs.
            foreach (var seed in m.Seeds)
            {
                var test = Json(Path.Combine(runDir, "adapt", "rte", method, $"seed-{seed.Seed}", "test_results.json"))["tasks"]!["rte"]!;
                Assert.Equal(test["average_metrics"]!.GetValue<double>(), seed.Score, 9);
                double correct = seed.Score * test["n_examples"]!.GetValue<int>() / 100;
                Assert.Equal(Math.Round(correct), correct, 9);
            }
            Assert.Equal(m.Seeds.Average(s => s.Score), m.Mean, 9);
            Assert.Equal("accuracy", m.Metric);
            Assert.Equal(m.Mean, m.Metrics!["accuracy"].Mean, 9); // rte's only score metric is its average
            Assert.Equal(12, m.TrainExamples);
            Assert.Null(m.FewShot);
            Assert.True(m.WallClockS > 0);
        }
        Assert.Equal([StageNames.Adapt, StageNames.Distill, StageNames.Teacher], results.Stages!.Keys.Order());
        Assert.All(results.Stages.Values, s => Assert.True(s.WallClockS > 0));
        Assert.Equal(2 * 4, results.Stages[StageNames.Teacher].Steps);
        Assert.Equal(6 * 4, results.Stages[StageNames.Adapt].Steps);
        Assert.Equal(l * d, results.Stages[StageNames.Teacher].Parameters!["mrpc"].TotalParameters);
        Assert.Equal(2, results.Stages[StageNames.Distill].Parameters![RunFolderRecords.AllTasks].NumTasks);
        Assert.Equal(4, results.Config!["distill"]!["prompt_length"]!.GetValue<int>()); // the resolved config, verbatim
        Assert.True(results.Model!.TotalParams > 0);
        Assert.NotNull(results.Model.Fingerprint);
        // Prompt files for the heatmaps, relative to the run folder.
        Assert.Equal(Path.Combine("teachers", "mrpc", RunFolder.PromptFile), results.Prompts!.Teachers!["mrpc"]);
        Assert.Equal(Path.Combine("distill", RunFolder.PromptFile), results.Prompts.Multitask!.Path);
        Assert.Equal(["mrpc", "cola"], results.Prompts.Multitask.Tasks);
        // The printed table is results.json's (the one formatter of run and quickstart).
        Assert.Contains(Mpt.Quickstart.ConsoleResultsTable.Format(results.Targets!), r.Output);

        // The report: results table (PT, SPoT, MPT columns; rte's row with MPT's mean ± std), loss plot per stage, heatmaps.
        string report = Path.Combine(runDir, RunReport.FolderName, RunReport.MarkdownFile);
        Assert.Contains($"Report: {report}", r.Output);
        string markdown = File.ReadAllText(report);
        Assert.Contains("## Results", markdown);
        Assert.Contains("| Task | Metric | PT | SPoT | MPT |", markdown);
        string mptCell = $"{rte["mpt"].Mean.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)} ± {rte["mpt"].Std.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)}";
        Assert.Single(markdown.Split('\n'), line => line.StartsWith("| rte | accuracy | ", StringComparison.Ordinal) && line.Contains(mptCell));
        var options = new ReportOptions();
        foreach (string stage in new[] { StageNames.Teacher, StageNames.Distill, StageNames.Adapt })
        {
            Assert.Contains($"(loss_{stage}.png)", markdown);
            PngFile.AssertPlot(Path.Combine(runDir, RunReport.FolderName, $"loss_{stage}.png"), options.PlotWidth, options.PlotHeight);
        }
        Assert.True(File.Exists(Path.Combine(runDir, RunReport.FolderName, "similarity_teachers.png")));
        Assert.True(File.Exists(Path.Combine(runDir, RunReport.FolderName, "similarity_mpt.png")));

        // A finished run folder is not overwritten without --resume; with it, everything is skipped.
        var again = CliRunner.Run("run", "--config", config, "--run-dir", runDir, "--baseline", "pt", "--baseline", "spot", "--seeds", "2", "--quiet");
        Assert.Equal(MptCli.Failed, again.ExitCode);
        Assert.Contains("--resume", again.Error);
        var resumed = CliRunner.Run("run", "--config", config, "--run-dir", runDir, "--baseline", "pt", "--baseline", "spot", "--seeds", "2", "--quiet", "--resume");
        Assert.True(resumed.ExitCode == MptCli.Ok, resumed.Error);
        Assert.Contains("already finished (skipped)", resumed.Output);
        Assert.Equal(9 * 4, MetricsLog.Read(Path.Combine(runDir, "metrics.jsonl")).Count);
        Assert.Equal(rte["mpt"].Mean, RunResults.Read(Path.Combine(runDir, "results.json")).Targets!["rte"]["mpt"].Mean);
        Assert.True(File.Exists(report));

        // Resuming under other settings must not pass off the finished runs as results of the new ones.
        var changed = CliRunner.Run("run", "--config", config, "--run-dir", runDir, "--baseline", "pt", "--baseline", "spot", "--seeds", "2",
            "--quiet", "--resume", "--set", "adapt.shared_learning_rate=0.05");
        Assert.Equal(MptCli.Failed, changed.ExitCode);
        Assert.Contains("other settings", changed.Error);
    }

    [Fact]
    public void Interrupted_Run_Should_Exit_With_A_Resume_Hint_And_Resume_To_The_Same_Prompts()
    {
        string config = _ws.WriteConfig();
        string straight = _ws.PathOf("straight"), broken = _ws.PathOf("broken");
        Assert.Equal(MptCli.Ok, CliRunner.Run("run", "--config", config, "--run-dir", straight, "--quiet").ExitCode);

        // Killed at step 3 of the first teacher (checkpoint at step 2), then at step 3 of the distillation.
        var first = CliRunner.Run("run", "--config", config, "--run-dir", broken, "--quiet", "--stop-after-steps", "3");
        Assert.Equal(MptCli.Interrupted, first.ExitCode);
        Assert.Contains("teacher mrpc stopped after step 3", first.Error);
        Assert.Contains($"resume with: mpt run --config {config} --run-dir {broken} --quiet --resume", first.Error);
        Assert.False(File.Exists(Path.Combine(broken, "results.json")));
        var second = CliRunner.Run("run", "--config", config, "--run-dir", broken, "--quiet", "--resume", "--stop-after-steps", "7");
        Assert.Equal(MptCli.Interrupted, second.ExitCode);
        Assert.True(second.Error.Contains("distillation stopped after step 1"), second.Error);
        var third = CliRunner.Run("run", "--config", config, "--run-dir", broken, "--quiet", "--resume");
        Assert.True(third.ExitCode == MptCli.Ok, third.Error);

        foreach (string run in new[] { "teachers/mrpc", "teachers/cola", "distill", "adapt/rte/mpt/seed-42" })
        {
            var want = SafetensorsFile.Read(Path.Combine(straight, run, RunFolder.PromptFile));
            var got = SafetensorsFile.Read(Path.Combine(broken, run, RunFolder.PromptFile));
            Assert.Equal(want.Keys.Order(), got.Keys.Order());
            foreach (var (name, tensor) in want) Assert.True(tensor.equal(got[name]).all().item<bool>(), $"{run}/{name} differs after resume");
        }
        Assert.Equal(RunResults.Read(Path.Combine(straight, "results.json")).Targets!["rte"]["mpt"].Mean,
            RunResults.Read(Path.Combine(broken, "results.json")).Targets!["rte"]["mpt"].Mean);
        Assert.True(File.Exists(Path.Combine(broken, RunReport.FolderName, RunReport.MarkdownFile)));
    }

    [Fact]
    public void Flags_Should_Override_The_File_Which_Overrides_The_Defaults()
    {
        string config = _ws.PathOf("lambda.json");
        File.WriteAllText(config, _ws.ConfigJson().Replace("\"distill\": {\"prompt_length\": 4,", "\"distill\": {\"prompt_length\": 4, \"lambda\": 0.5, \"temperature\": 2,"));
        string runDir = _ws.PathOf("precedence");
        // Distillation needs teachers, so it fails after resolving and recording the config.
        var r = CliRunner.Run("distill", "--config", config, "--run-dir", runDir, "--lambda", "0.7", "--set", "distill.rank=2", "--quiet");
        Assert.Equal(MptCli.Failed, r.ExitCode);
        Assert.Contains("needs the teacher of 'mrpc'", r.Error);
        var resolved = Json(Path.Combine(runDir, "config.json"))["distill"]!;
        Assert.Equal(0.7, resolved["lambda"]!.GetValue<double>());      // flag beats file
        Assert.Equal(2, resolved["rank"]!.GetValue<int>());             // --set beats default
        Assert.Equal(2.0, resolved["temperature"]!.GetValue<double>()); // file beats default
        Assert.Equal(0.3, resolved["shared_learning_rate"]!.GetValue<double>()); // default
    }

    [Theory]
    [InlineData("--lambda", "-1", "distill.lambda must be >= 0")]
    [InlineData("--set", "distill.loop.batch_size=0", "distill.loop.batch_size must be >= 1")]
    [InlineData("--set", "distill.lamda=0.5", "Did you mean 'distill.lambda'?")]
    [InlineData("--set", "distill.lambda=\"high\"", "distill.lambda")]
    [InlineData("--device", "tpu", "model.device must be cpu, cuda or cuda:N")]
    public void Invalid_Settings_Should_Fail_With_A_Message_Naming_The_Field(string flag, string value, string message)
    {
        var r = CliRunner.Run("distill", "--config", _ws.WriteConfig(), "--run-dir", _ws.PathOf("invalid"), flag, value);
        Assert.Equal(MptCli.Failed, r.ExitCode);
        Assert.Contains(message, r.Error);
        Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_Task_Verb_And_Flag_Should_Name_The_Closest_Valid_One()
    {
        string config = _ws.PathOf("typo.json");
        File.WriteAllText(config, _ws.ConfigJson().Replace("\"task\": \"rte\"", "\"task\": \"rtee\""));
        var task = CliRunner.Run("adapt", "--config", config, "--run-dir", _ws.PathOf("typo"));
        Assert.Equal(MptCli.Failed, task.ExitCode);
        Assert.Contains("Did you mean 'rte'?", task.Error);

        var verb = CliRunner.Run("distil", "--run-dir", "x");
        Assert.Equal(MptCli.Usage, verb.ExitCode);
        Assert.Contains("Did you mean 'distill'?", verb.Error);

        var flag = CliRunner.Run("adapt", "--run-dir", "x", "--few-shots", "4");
        Assert.Equal(MptCli.Usage, flag.ExitCode);
        Assert.Contains("Did you mean '--few-shot'?", flag.Error);
    }

    [Fact]
    public void Help_Should_List_Every_Verb_With_One_Line()
    {
        var r = CliRunner.Run("--help");
        Assert.Equal(MptCli.Ok, r.ExitCode);
        foreach (string verb in new[] { "run", "teachers", "distill", "adapt", "evaluate", "predict", "export", "import", "info" })
            Assert.Single(r.Output.Split('\n'), l => l.TrimStart().StartsWith(verb + " ", StringComparison.Ordinal));
        Assert.DoesNotContain("--stop-after-steps", CliRunner.Run("run", "--help").Output);
    }
}
