using Mpt.Benchmarks;
using Mpt.Training;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Benchmarks;

/// <summary>
/// <c>mpt bench distill-step</c> measures the step users run: its first loss on the tiny shape is the loss a
/// <see cref="Distiller"/> with the library defaults (and the same hidden-state dropout choice) computes for the same
/// batch, weights, prompts and dropout masks — so the benchmark cannot drift from the training objective again.
/// </summary>
public sealed class DistillStepMatchesDistillerTests
{
    private static BenchmarkSettings Settings(HiddenStateDropout choice, bool dropout) => new()
    {
        Shape = BenchmarkShapes.Tiny, Batch = 2, Seq = 6, Target = 3, Prompt = 4, Steps = 1, Warmup = 0, Threads = 1,
        Tasks = 3, Dropout = dropout, HiddenStateDropout = choice,
    };

    private static double BenchLoss(BenchmarkSettings s)
    {
        string[] args = ["bench", DistillStepBenchmark.Name, "--shape", s.Shape, "--batch", $"{s.Batch}", "--seq", $"{s.Seq}",
            "--target", $"{s.Target}", "--prompt", $"{s.Prompt}", "--steps", "1", "--warmup", "0", "--threads", "1",
            "--tasks", $"{s.Tasks}", "--hidden-state-dropout", BenchmarkSettings.HiddenStateDropoutName(s.HiddenStateDropout),
            .. s.Dropout ? Array.Empty<string>() : ["--no-dropout"]];
        var json = TinyBench.RunJson(args);
        Assert.Equal(BenchmarkSettings.HiddenStateDropoutName(s.HiddenStateDropout), json.GetProperty("hidden_state_dropout").GetString());
        return json.GetProperty("loss_first").GetDouble();
    }

    /// <summary>The Distiller's loss on the benchmark's first batch: same seeded setup, so the same global RNG state
    /// (test parallelization is off) and the same dropout masks.</summary>
    private static double DistillerLoss(BenchmarkSettings s)
    {
        using var setup = DistillStepSetup.Create(s);
        using var scope = torch.NewDisposeScope();
        var distiller = new Distiller(setup.Workload.Backbone, new DistillationOptions { HiddenStateDropout = s.HiddenStateDropout });
        return distiller.Objective(setup.Prompted, setup.Teachers)(setup.Batch).Total.to(torch.ScalarType.Float64).item<double>();
    }

    [Theory]
    [InlineData(HiddenStateDropout.CleanStudentPass, true)]
    [InlineData(HiddenStateDropout.OneSided, true)]
    [InlineData(HiddenStateDropout.CleanStudentPass, false)]
    public void Should_Report_The_Loss_The_Distiller_Computes_For_The_Batch(HiddenStateDropout choice, bool dropout)
    {
        var settings = Settings(choice, dropout);

        double bench = BenchLoss(settings);

        Assert.Equal(DistillerLoss(settings), bench);
    }

    [Fact]
    public void Should_Measure_A_Different_Step_Per_Hidden_State_Dropout_Choice()
    {
        // With dropout on the two choices compare different student hidden states, so the option must reach the step
        double clean = BenchLoss(Settings(HiddenStateDropout.CleanStudentPass, dropout: true));
        double oneSided = BenchLoss(Settings(HiddenStateDropout.OneSided, dropout: true));

        Assert.NotEqual(clean, oneSided);
    }

    [Fact]
    public void Should_Default_To_The_Library_Choice()
    {
        var json = TinyBench.RunJson(TinyBench.Args(DistillStepBenchmark.Name));

        Assert.Equal(BenchmarkSettings.HiddenStateDropoutName(new DistillationOptions().HiddenStateDropout),
            json.GetProperty("hidden_state_dropout").GetString());
    }
}
