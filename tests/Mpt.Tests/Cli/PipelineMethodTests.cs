using System.Text.Json.Nodes;
using Mpt.Checkpoints;
using Mpt.Cli;
using Mpt.Pipeline;
using Mpt.Reports;
using Mpt.Runs;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// The pipeline's methods and cross-run options end to end through the CLI on the tiny T5 of <see cref="PipelineWorkspace"/>
/// (l = 4, 4 steps per run): MPT* (<c>adapt.multi_target</c>), teachers from another run (<c>distill.teachers_from</c>),
/// a given source prompt (<c>adapt.source_prompt</c>), the SPoT source (<c>adapt.spot_source</c>), and resuming the
/// adaptation stage.
/// </summary>
public sealed class PipelineMethodTests : IDisposable
{
    private readonly PipelineWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private static JsonNode Json(string path) => JsonNode.Parse(File.ReadAllText(path))!;

    private static Dictionary<string, torch.Tensor> Prompt(string runFolder) => SafetensorsFile.Read(Path.Combine(runFolder, RunFolder.PromptFile));

    private static void AssertSamePrompt(string want, string got)
    {
        var a = Prompt(want);
        var b = Prompt(got);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, tensor) in a) Assert.True(tensor.equal(b[name]).all().item<bool>(), $"{got}: {name} differs from {want}");
    }

    private void Ok(params string[] args)
    {
        var r = CliRunner.Run([.. args, "--quiet"]);
        Assert.True(r.ExitCode == MptCli.Ok, $"mpt {string.Join(' ', args)}: exit {r.ExitCode}\n{r.Error}");
    }

    private string[] Targets(params string[] tasks) => tasks.SelectMany(t => new[] { "--target", $"{t}={_ws.DataDir(t)}" }).ToArray();

    [Fact]
    public void Mpt_Star_Should_Share_One_Prompt_Among_All_Targets_Each_With_Its_Task_Vectors()
    {
        string runDir = _ws.PathOf("mpt-star");
        Ok(["run", "--config", _ws.WriteConfig(), "--run-dir", runDir, "--set", "adapt.multi_target=true", .. Targets("rte", "superglue-boolq")]);

        // One run over both targets: a multitask prompt with a task-vector pair per target, and per target a PEFT
        // PROMPT_TUNING adapter of its composed prompt.
        string multi = Path.Combine(runDir, "adapt", "_multi", "mpt_multi", "seed-42");
        var prompt = Prompt(multi);
        int l = 4, d = _ws.ModelDim();
        Assert.Equal([2L, l, 1L], prompt["prefix_task_cols"].shape);
        Assert.Equal([2L, 1L, d], prompt["prefix_task_rows"].shape);
        Assert.False(Directory.Exists(Path.Combine(runDir, "adapt", "rte", "mpt")), "MPT* must not also run single-target MPT");
        var results = RunResults.Read(Path.Combine(runDir, PipelineRunner.ResultsFile));
        var test = Json(Path.Combine(multi, PipelineRunner.TestResultsFile))["tasks"]!;
        string[] targets = ["rte", "superglue-boolq"];
        for (int k = 0; k < targets.Length; k++)
        {
            string target = targets[k];
            // Target k's adapter holds its composed prompt P* ∘ (u_k ⊗ v_k) (paper Eq. 3), not another target's.
            string adapter = Path.Combine(multi, $"adapter-{target}");
            Assert.Equal("PROMPT_TUNING", Json(Path.Combine(adapter, "adapter_config.json"))["peft_type"]!.GetValue<string>());
            using var composed = prompt["prompt_embeddings"] * prompt["prefix_task_cols"][k].matmul(prompt["prefix_task_rows"][k]);
            var compressed = SafetensorsFile.Read(Path.Combine(adapter, Mpt.Peft.PeftAdapter.WeightsFileName))["prompt_embeddings"];
            Assert.True(compressed.allclose(composed, rtol: 1e-6, atol: 1e-7), $"adapter-{target} is not the composed prompt of task {k}");
            var star = results.Targets![target][PipelineRunner.MultiTargetKey];
            Assert.Equal([PipelineRunner.MultiTargetKey], results.Targets[target].Keys);
            Assert.Equal(test[target]!["average_metrics"]!.GetValue<double>(), Assert.Single(star.Seeds).Score, 9);
            // The shared run's per-example outcomes of this target (T5 generation) rescore to its test score.
            Assert.Equal(star.Seeds[0].Score, Mpt.Evaluation.TestPredictionsFile.Read(Path.Combine(multi, Mpt.Evaluation.TestPredictionsFile.FileName))[target].Score(), 9);
            Assert.Equal(l * d + 2 * (l + d), star.Parameters!.TrainableParameters); // P* shared, u and v per target
            Assert.Equal((l * d + 2 * (l + d)) / 2, star.TrainableParams);             // per target: its share
        }
    }

    [Fact]
    public void Teachers_From_Another_Run_Should_Distil_The_Same_Prompt_As_That_Run()
    {
        string config = _ws.WriteConfig(), a = _ws.PathOf("a"), b = _ws.PathOf("b");
        Ok("teachers", "--config", config, "--run-dir", a);
        Ok("distill", "--config", config, "--run-dir", a);
        Ok("distill", "--config", config, "--run-dir", b, "--teachers-from", a);

        Assert.False(Directory.Exists(Path.Combine(b, PipelineRunner.TeachersDir)), "the teachers must be read, not trained again");
        AssertSamePrompt(Path.Combine(a, PipelineRunner.DistillDir), Path.Combine(b, PipelineRunner.DistillDir));
        // The heatmaps of run b show run a's teachers.
        var teachers = RunResults.Read(Path.Combine(b, PipelineRunner.ResultsFile)).Prompts!.Teachers!;
        Assert.Equal(Path.Combine(a, PipelineRunner.TeachersDir, "mrpc", RunFolder.PromptFile), Path.GetFullPath(Path.Combine(b, teachers["mrpc"])));

        // Teachers of another prompt length are refused before any work, naming the keys.
        string c = _ws.PathOf("c");
        var refused = CliRunner.Run("distill", "--config", config, "--run-dir", c, "--teachers-from", a, "--set", "distill.prompt_length=5",
            "--set", "teachers.prompt_length=5", "--quiet");
        Assert.Equal(MptCli.Failed, refused.ExitCode);
        Assert.Contains("distill.teachers_from", refused.Error);
        Assert.Contains("prompt length 4, but distill.prompt_length is 5", refused.Error);
        Assert.False(Directory.Exists(Path.Combine(c, PipelineRunner.DistillDir)));
    }

    [Fact]
    public void A_Given_Source_Prompt_Should_Adapt_Like_The_Run_That_Distilled_It()
    {
        string config = _ws.WriteConfig(), a = _ws.PathOf("a");
        Ok("run", "--config", config, "--run-dir", a);
        string distilled = Path.Combine(a, PipelineRunner.DistillDir);

        // As a PEFT adapter folder and as a prompt file.
        foreach (string source in new[] { Path.Combine(distilled, PipelineRunner.AdapterDir), Path.Combine(distilled, RunFolder.PromptFile) })
        {
            string c = _ws.PathOf("c-" + Path.GetFileName(source));
            Ok("adapt", "--config", config, "--run-dir", c, "--source-prompt", source);
            Assert.False(Directory.Exists(Path.Combine(c, PipelineRunner.DistillDir)));
            AssertSamePrompt(Path.Combine(a, "adapt", "rte", "mpt", "seed-42"), Path.Combine(c, "adapt", "rte", "mpt", "seed-42"));
            Assert.Equal(RunResults.Read(Path.Combine(a, PipelineRunner.ResultsFile)).Targets!["rte"]["mpt"].Mean,
                RunResults.Read(Path.Combine(c, PipelineRunner.ResultsFile)).Targets!["rte"]["mpt"].Mean);
        }
    }

    [Fact]
    public void Spot_Should_Start_From_The_Teacher_Of_The_Chosen_Source()
    {
        // With a vanishing learning rate the SPoT prompt stays where it started: the chosen teacher (cola, the second
        // source; the default would be the first, mrpc).
        string config = _ws.WriteConfig(), runDir = _ws.PathOf("spot");
        Ok("teachers", "--config", config, "--run-dir", runDir);
        Ok("adapt", "--config", config, "--run-dir", runDir, "--set", "adapt.methods=[\"spot\"]", "--set", "adapt.spot_source=cola",
            "--set", "adapt.shared_learning_rate=1e-12");

        var spot = Prompt(Path.Combine(runDir, "adapt", "rte", "spot", "seed-42"))["prompt_embeddings"];
        var cola = Prompt(Path.Combine(runDir, PipelineRunner.TeachersDir, "cola"))["prompt_embeddings"];
        var mrpc = Prompt(Path.Combine(runDir, PipelineRunner.TeachersDir, "mrpc"))["prompt_embeddings"];
        Assert.True(spot.allclose(cola, rtol: 0, atol: 1e-6), "SPoT did not start from the cola teacher");
        Assert.False(spot.allclose(mrpc, rtol: 0, atol: 1e-3), "the two teachers must differ for this test to tell them apart");
    }

    [Fact]
    public void An_Interrupted_Adaptation_Should_Resume_To_The_Results_Of_An_Uninterrupted_Run()
    {
        string config = _ws.WriteConfig();
        string straight = _ws.PathOf("straight"), broken = _ws.PathOf("broken");
        string[] run = ["run", "--config", config, "--set", "adapt.multi_target=true", "--baseline", "pt", .. Targets("rte", "superglue-boolq")];
        Ok([.. run, "--run-dir", straight]);

        // 2 teachers + distillation = 12 steps, then killed at step 3 of MPT* (checkpoint at step 2) and, resumed, at
        // step 3 of the first PT run (the MPT* run's 2 remaining steps first).
        var first = CliRunner.Run([.. run, "--run-dir", broken, "--quiet", "--stop-after-steps", "15"]);
        Assert.True(first.ExitCode == MptCli.Interrupted, first.Error);
        Assert.Contains("mpt* seed 42 stopped after step 3", first.Error);
        var second = CliRunner.Run([.. run, "--run-dir", broken, "--quiet", "--resume", "--stop-after-steps", "5"]);
        Assert.True(second.ExitCode == MptCli.Interrupted, second.Error);
        Assert.Contains("pt rte seed 42 stopped after step 3", second.Error);
        Ok([.. run, "--run-dir", broken, "--resume"]);

        foreach (string folder in new[] { "adapt/_multi/mpt_multi/seed-42", "adapt/rte/pt/seed-42", "adapt/superglue-boolq/pt/seed-42" })
            AssertSamePrompt(Path.Combine(straight, folder), Path.Combine(broken, folder));
        var want = RunResults.Read(Path.Combine(straight, PipelineRunner.ResultsFile)).Targets!;
        var got = RunResults.Read(Path.Combine(broken, PipelineRunner.ResultsFile)).Targets!;
        foreach (string target in new[] { "rte", "superglue-boolq" })
            foreach (string method in new[] { PipelineRunner.MultiTargetKey, "pt" })
                Assert.Equal(want[target][method].Seeds.Select(s => s.Score), got[target][method].Seeds.Select(s => s.Score));
        // MPT* − PT pairs each target's outcomes from the shared MPT* run with PT's: the same intervals after the resume.
        var wantComparisons = RunResults.Read(Path.Combine(straight, PipelineRunner.ResultsFile)).Comparisons!;
        var gotComparisons = RunResults.Read(Path.Combine(broken, PipelineRunner.ResultsFile)).Comparisons!;
        foreach (string target in new[] { "rte", "superglue-boolq" })
            Assert.Equal(wantComparisons[target]["mpt*-pt"], gotComparisons[target]["mpt*-pt"]);
    }
}
