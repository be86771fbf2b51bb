using System.Text.Json;
using System.Text.Json.Nodes;
using Mpt.Checkpoints;
using Mpt.Cli;
using Mpt.Pipeline;
using Mpt.Reports;
using Mpt.Runs;
using Mpt.Tests.Infrastructure;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>The stage verbs one at a time on one run folder, then export / import / predict with their prompts.</summary>
public sealed class StageVerbAndInteropTests : IDisposable
{
    private readonly PipelineWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private static string PeftType(string adapter) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(adapter, "adapter_config.json")))!["peft_type"]!.GetValue<string>();

    [Fact]
    public void Stage_Verbs_Should_Chain_And_Prompts_Should_Move_To_PEFT_And_Back()
    {
        string config = _ws.WriteConfig();
        string run = _ws.PathOf("staged");
        // Adaptation before distillation: a clear message saying which stage is missing.
        var early = CliRunner.Run("adapt", "--config", config, "--run-dir", run);
        Assert.Equal(MptCli.Failed, early.ExitCode);
        Assert.Contains("run 'mpt distill' first", early.Error);

        Assert.Equal(MptCli.Ok, CliRunner.Run("teachers", "--config", config, "--run-dir", run, "--quiet").ExitCode);
        // A report that cannot be written (here: a file where the report folder goes) is a warning; the run succeeds
        // and its results.json is written.
        string reportDir = Path.Combine(run, RunReport.FolderName);
        Directory.Delete(reportDir, recursive: true);
        File.WriteAllText(reportDir, "not a folder");
        File.Delete(Path.Combine(run, "results.json"));
        var distill = CliRunner.Run("distill", "--config", config, "--run-dir", run, "--quiet", "--objective", "logits_only");
        Assert.True(distill.ExitCode == MptCli.Ok, distill.Error);
        Assert.Single(distill.Error.Split('\n'), line => line.StartsWith("warning: the report was not written", StringComparison.Ordinal));
        Assert.NotNull(RunResults.Read(Path.Combine(run, "results.json")).Stages![StageNames.Distill]);
        File.Delete(reportDir);
        Assert.Contains("[distillation] step 4/4", distill.Output);
        var adapt = CliRunner.Run("adapt", "--config", config, "--run-dir", run, "--quiet", "--update", "task_vectors_only", "--few-shot", "6");
        Assert.True(adapt.ExitCode == MptCli.Ok, adapt.Error);
        var results = RunResults.Read(Path.Combine(run, "results.json"));
        var ablation = results.Targets!["rte"]["mpt-task_vectors_only"];
        int l = 4, d = _ws.ModelDim();
        Assert.Equal(l + d, ablation.Parameters!.TrainableParameters);   // only u, v train
        Assert.Equal(l + d, ablation.TrainableParams);
        Assert.Equal(6, ablation.TrainExamples);
        Assert.Equal(6, ablation.FewShot);
        var lines = MetricsLog.Read(Path.Combine(run, "metrics.jsonl"));
        Assert.All(lines.Where(m => m.Stage == StageNames.Distill), m => Assert.True(m.LossHidden is null && m.LossKl is not null));
        // Stage verbs run one at a time still give one results.json covering the earlier stages, and a report.
        Assert.Equal([StageNames.Adapt, StageNames.Distill, StageNames.Teacher], results.Stages!.Keys.Order());
        Assert.Equal(2, results.Prompts!.Teachers!.Count);
        Assert.Contains("## Results", File.ReadAllText(Path.Combine(run, RunReport.FolderName, RunReport.MarkdownFile)));

        // Export: the whole multitask prompt, and task 1 compressed to one PROMPT_TUNING matrix.
        string multi = _ws.PathOf("export-mpt"), single = _ws.PathOf("export-task1");
        Assert.Equal(MptCli.Ok, CliRunner.Run("export", "--prompt", Path.Combine(run, "distill"), "--model", _ws.ModelDir, "--out", multi).ExitCode);
        Assert.Equal("MULTITASK_PROMPT_TUNING", PeftType(multi));
        var compressed = CliRunner.Run("export", "--prompt", Path.Combine(run, "distill", "prompt.safetensors"), "--model", _ws.ModelDir, "--out", single, "--task-id", "1");
        Assert.True(compressed.ExitCode == MptCli.Ok, compressed.Error);
        Assert.Equal("PROMPT_TUNING", PeftType(single));
        Assert.True(File.Exists(Path.Combine(single, "mpt_model.json")));

        // Import back: the tensors are the run's, bit for bit.
        string imported = _ws.PathOf("imported.safetensors");
        var import = CliRunner.Run("import", multi, "--out", imported, "--model", _ws.ModelDir);
        Assert.True(import.ExitCode == MptCli.Ok, import.Error);
        var want = SafetensorsFile.Read(Path.Combine(run, "distill", RunFolder.PromptFile));
        var got = SafetensorsFile.Read(imported);
        Assert.Equal(want.Keys.Order(), got.Keys.Order());
        foreach (var (name, t) in want) Assert.True(t.equal(got[name]).all().item<bool>(), name);

        // Safety rail: the adapter records the model; another model's weights are refused unless overridden.
        string other = _ws.PathOf("other-model");
        Directory.CreateDirectory(other);
        foreach (string f in Directory.GetFiles(_ws.ModelDir)) File.Copy(f, Path.Combine(other, Path.GetFileName(f)));
        var weights = SafetensorsFile.Read(Path.Combine(other, "model.safetensors"));
        weights["shared.weight"] = weights["shared.weight"] + 0.5f;
        SafetensorsFile.Write(Path.Combine(other, "model.safetensors"), weights);
        var refused = CliRunner.Run("import", multi, "--out", _ws.PathOf("x.safetensors"), "--model", other);
        Assert.Equal(MptCli.Failed, refused.ExitCode);
        Assert.Contains("trained for another model", refused.Error);
        Assert.Equal(MptCli.Ok, CliRunner.Run("import", multi, "--out", _ws.PathOf("x.safetensors"), "--model", other, "--allow-model-mismatch").ExitCode);

        // Predict with the adapted prompt: a text file (line = input) and a task data file (formatted rows, targets kept).
        string text = _ws.PathOf("inputs.txt");
        File.WriteAllLines(text, ["rte sentence1: A man walks. sentence2: A man walks.", "", "rte sentence1: It rains. sentence2: It is dry."]);
        string prompt = Directory.GetDirectories(Path.Combine(run, "adapt", "rte", "mpt-task_vectors_only"))[0];
        var fromText = CliRunner.Run("predict", "--model", _ws.ModelDir, "--prompt", prompt, "--input", text);
        Assert.True(fromText.ExitCode == MptCli.Ok, fromText.Error);
        var predictions = fromText.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(2, predictions.Count);
        Assert.All(predictions, p => Assert.NotNull(p["prediction"]));
        string outFile = _ws.PathOf("predictions.jsonl");
        var fromData = CliRunner.Run("predict", "--model", _ws.ModelDir, "--prompt", prompt, "--input", Path.Combine(_ws.DataDir("rte"), "validation.jsonl"), "--task", "rte", "--out", outFile);
        Assert.True(fromData.ExitCode == MptCli.Ok, fromData.Error);
        var rows = File.ReadAllLines(outFile).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(8, rows.Count);
        Assert.All(rows, r => Assert.StartsWith("rte sentence1:", r.GetProperty("source").GetString()));
        Assert.All(rows, r => Assert.Contains(r.GetProperty("target").GetString(), new[] { "0", "1" }));

        var noTask = CliRunner.Run("predict", "--model", _ws.ModelDir, "--input", Path.Combine(_ws.DataDir("rte"), "validation.jsonl"));
        Assert.Equal(MptCli.Failed, noTask.ExitCode);
        Assert.Contains("needs --task", noTask.Error);
    }

    [WithoutCudaFact]
    public void Cuda_Without_A_Cuda_Libtorch_Should_Fail_With_A_Clear_Message()
    {
        var r = CliRunner.Run("predict", "--model", _ws.ModelDir, "--input", _ws.WriteConfig(), "--device", "cuda");
        Assert.Equal(MptCli.Failed, r.ExitCode);
        Assert.Contains("CUDA is not available", r.Error);
    }
}
