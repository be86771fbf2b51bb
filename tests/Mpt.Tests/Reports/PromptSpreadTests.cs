using Mpt.Checkpoints;
using Mpt.Prompts;
using Mpt.Reports;
using Mpt.Tests.Cli;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Reports;

public sealed class PromptSpreadTests
{
    private const double Tolerance = 1e-12; // float64 arithmetic on small exact inputs

    [Fact]
    public void Relative_Frobenius_is_the_difference_over_the_mean_norm()
    {
        using var scope = torch.NewDisposeScope();
        // (3, 4) vs (0, 0): ‖a − b‖ = 5, mean norm 2.5 → 2; (1, 0) vs (0, 1): √2 / 1; equal tensors → 0; −a → 2.
        Assert.Equal(2, PromptSpread.RelativeFrobenius(torch.tensor(new float[] { 3, 4 }), torch.zeros(2)), Tolerance);
        Assert.Equal(Math.Sqrt(2), PromptSpread.RelativeFrobenius(torch.tensor(new float[] { 1, 0 }), torch.tensor(new float[] { 0, 1 })), Tolerance);
        Assert.Equal(0, PromptSpread.RelativeFrobenius(torch.tensor(new float[] { 3, 4 }), torch.tensor(new float[] { 3, 4 })), Tolerance);
        Assert.Equal(2, PromptSpread.RelativeFrobenius(torch.tensor(new float[] { 3, 4 }), torch.tensor(new float[] { -3, -4 })), Tolerance);
        // (3, 4) vs (6, 8): ‖a − b‖ = 5, mean norm 7.5 → 2/3.
        Assert.Equal(2.0 / 3, PromptSpread.RelativeFrobenius(torch.tensor(new float[] { 3, 4 }), torch.tensor(new float[] { 6, 8 })), Tolerance);
        Assert.True(double.IsNaN(PromptSpread.RelativeFrobenius(torch.zeros(2), torch.zeros(2))));
        Assert.Throws<ArgumentException>(() => PromptSpread.RelativeFrobenius(torch.zeros(2), torch.zeros(3)));
    }

    /// <summary>l = 1, d = 2, two tasks, rank 1: P* = p, u_k = (a_k), v_k = (b_k, c_k).</summary>
    private static MultitaskPrompt Prompt(float[] shared, float[] u, float[][] v) =>
        new(torch.tensor(shared).reshape(1, 2), torch.tensor(u).reshape(2, 1, 1), torch.tensor(v.SelectMany(r => r).ToArray()).reshape(2, 1, 2));

    [Fact]
    public void Compare_measures_P_star_each_composed_source_prompt_and_the_target_init()
    {
        using var scope = torch.NewDisposeScope();
        // A: P* = (1, 2), u = (1, 1), v = ((1, 1), (1, 1)) → every composed prompt and the target init = (1, 2).
        // B: P* = (2, 4), u = (1, 3), v = ((1, 1), (1, 0)) → source 0: (2, 4); source 1: (6, 0);
        //    target init: ū = 2, v̄ = (1, 0.5) → P* ∘ ū v̄ = (4, 4).
        using var a = Prompt([1, 2], [1, 1], [[1, 1], [1, 1]]);
        using var b = Prompt([2, 4], [1, 3], [[1, 1], [1, 0]]);

        var distances = PromptSpread.Compare([a, b], ["x", "y"]);

        Assert.Equal(4, distances.Count); // P*, two sources, target init; one pair each
        var shared = distances.Single(d => d.Part == PromptSpread.SharedPart);
        Assert.Equal((0, 1), (shared.A, shared.B));
        // (1, 2) vs (2, 4): ‖·‖ = √5 and 2√5, difference √5 → √5 / (1.5 √5) = 2/3; cosine 1.
        Assert.Equal(2.0 / 3, shared.RelativeFrobenius, Tolerance);
        Assert.Equal(1, shared.Cosine, Tolerance);
        var x = distances.Single(d => d.Part.Contains(" x "));
        Assert.Equal(2.0 / 3, x.RelativeFrobenius, Tolerance);
        // (1, 2) vs (6, 0): difference (5, −2) → √29 / ((√5 + 6) / 2); cosine 6 / (√5 · 6) = 1/√5.
        var y = distances.Single(d => d.Part.Contains(" y "));
        Assert.Equal(Math.Sqrt(29) / ((Math.Sqrt(5) + 6) / 2), y.RelativeFrobenius, Tolerance);
        Assert.Equal(1 / Math.Sqrt(5), y.Cosine, Tolerance);
        // (1, 2) vs (4, 4): difference (3, 2) → √13 / ((√5 + 4√2) / 2); cosine 12 / (√5 · 4√2).
        var target = distances.Single(d => d.Part == PromptSpread.TargetInitPart);
        Assert.Equal(Math.Sqrt(13) / ((Math.Sqrt(5) + 4 * Math.Sqrt(2)) / 2), target.RelativeFrobenius, Tolerance);
        Assert.Equal(12 / (Math.Sqrt(5) * 4 * Math.Sqrt(2)), target.Cosine, Tolerance);
    }

    [Fact]
    public void Compare_refuses_a_single_prompt_and_prompts_of_other_shapes()
    {
        using var scope = torch.NewDisposeScope();
        using var a = Prompt([1, 2], [1, 1], [[1, 1], [1, 1]]);
        using var wide = new MultitaskPrompt(torch.ones(1, 3), torch.ones(2, 1, 1), torch.ones(2, 1, 3));
        Assert.Throws<ArgumentException>(() => PromptSpread.Compare([a], ["x", "y"]));
        Assert.Throws<ArgumentException>(() => PromptSpread.Compare([a, wide], ["x", "y"]));
    }

    [Fact]
    public void Report_prompt_spread_prints_the_distances_of_prompt_files()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"mpt-spread-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            using (var scope = torch.NewDisposeScope())
            {
                using var a = Prompt([1, 2], [1, 1], [[1, 1], [1, 1]]);
                using var b = Prompt([2, 4], [1, 3], [[1, 1], [1, 0]]);
                SafetensorsFile.Write(Path.Combine(folder, "a.safetensors"), a.PeftTensors());
                SafetensorsFile.Write(Path.Combine(folder, "b.safetensors"), b.PeftTensors());
            }
            var result = CliRunner.Run("report", Path.Combine(folder, "a.safetensors"), "--prompt-spread", Path.Combine(folder, "b.safetensors"));
            Assert.True(result.ExitCode == 0, result.Error + result.Output);
            Assert.Contains("2 distilled prompts (1 pairs)", result.Output);
            // P*: 2/3 and cosine 1, in the summary (mean = min = max) and in the pair's row.
            Assert.Matches(@"(?m)^P\*\s+0\.6667 \[0\.6667, 0\.6667\]\s+1\.0000 \[1\.0000, 1\.0000\]$", result.Output);
            Assert.Matches(@"(?m)^\[0\] – \[1\]\s+0\.6667\s+1\.0000\s", result.Output);

            // A distillation stage folder (its config.json holds the stage's options, not the pipeline's) is read too;
            // its tasks are named by index.
            string stage = Path.Combine(folder, "distill");
            Directory.CreateDirectory(stage);
            File.Copy(Path.Combine(folder, "a.safetensors"), Path.Combine(stage, "prompt.safetensors"));
            File.WriteAllText(Path.Combine(stage, "config.json"), """{"Stage": "distillation"}""");
            var fromStage = CliRunner.Run("report", stage, "--prompt-spread", Path.Combine(folder, "b.safetensors"));
            Assert.True(fromStage.ExitCode == 0, fromStage.Error + fromStage.Output);
            Assert.Contains("source 0 P* ∘ u v", fromStage.Output);

            var missing = CliRunner.Run("report", Path.Combine(folder, "a.safetensors"), "--prompt-spread", Path.Combine(folder, "nope.safetensors"));
            Assert.NotEqual(0, missing.ExitCode);
            Assert.Contains("nope.safetensors", missing.Error);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
