using System.Text.Json;
using Mpt.Benchmarks;
using Mpt.Tests.Cli;
using Xunit;

namespace Mpt.Tests.Benchmarks;

/// <summary><c>mpt bench train-step|distill-step --dropout-kernel</c>: the kernel is applied and recorded in the JSON line.</summary>
public sealed class DropoutKernelBenchTests
{
    [Theory]
    [InlineData("train-step")]
    [InlineData("distill-step")]
    public void Should_Record_The_Kernel_And_Train_With_Either(string bench)
    {
        var exact = TinyBench.RunJson(TinyBench.Args(bench));
        var parallel = TinyBench.RunJson(TinyBench.Args(bench, "--dropout-kernel", "parallel_chunks"));

        Assert.Equal("exact", exact.GetProperty("dropout_kernel").GetString());
        Assert.Equal("parallel_chunks", parallel.GetProperty("dropout_kernel").GetString());
        double exactLoss = exact.GetProperty("loss_first").GetDouble(), parallelLoss = parallel.GetProperty("loss_first").GetDouble();
        Assert.True(double.IsFinite(parallelLoss) && parallelLoss > 0, $"loss_first = {parallelLoss}");
        // Same weights, batch and seed: only the dropout masks differ.
        Assert.NotEqual(exactLoss, parallelLoss);
    }

    [Fact]
    public void Should_Omit_The_Kernel_When_Dropout_Is_Off()
    {
        var json = TinyBench.RunJson(TinyBench.Args("train-step", "--no-dropout", "--dropout-kernel", "parallel_chunks"));

        Assert.False(json.GetProperty("dropout").GetBoolean());
        Assert.False(json.TryGetProperty("dropout_kernel", out _));
    }

    [Fact]
    public void Should_Reject_An_Unknown_Kernel()
    {
        var result = CliRunner.Run(TinyBench.Args("train-step", "--dropout-kernel", "fast"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("fast", result.Error);
        Assert.Empty(result.Output);
    }
}
