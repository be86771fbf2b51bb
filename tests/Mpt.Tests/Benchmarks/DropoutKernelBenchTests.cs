using System.Text.Json;
using Mpt.Benchmarks;
using Mpt.Tests.Cli;
using Xunit;

namespace Mpt.Tests.Benchmarks;

/// <summary><c>mpt bench train-step|distill-step --dropout-kernel</c>: the kernel is applied and recorded in the JSON line.</summary>
public sealed class DropoutKernelBenchTests
{
    private static string[] TinyArgs(string bench, params string[] extra) =>
        ["bench", bench, "--shape", BenchmarkShapes.Tiny, "--batch", "2", "--seq", "6", "--target", "3", "--prompt", "4",
         "--steps", "2", "--warmup", "1", "--threads", "1", .. extra];

    private static JsonElement RunJson(params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        return JsonDocument.Parse(result.Output.Trim()).RootElement.Clone();
    }

    [Theory]
    [InlineData("train-step")]
    [InlineData("distill-step")]
    public void Should_Record_The_Kernel_And_Train_With_Either(string bench)
    {
        var exact = RunJson(TinyArgs(bench));
        var parallel = RunJson(TinyArgs(bench, "--dropout-kernel", "parallel_chunks"));

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
        var json = RunJson(TinyArgs("train-step", "--no-dropout", "--dropout-kernel", "parallel_chunks"));

        Assert.False(json.GetProperty("dropout").GetBoolean());
        Assert.False(json.TryGetProperty("dropout_kernel", out _));
    }

    [Fact]
    public void Should_Reject_An_Unknown_Kernel()
    {
        var result = CliRunner.Run(TinyArgs("train-step", "--dropout-kernel", "fast"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("fast", result.Error);
        Assert.Empty(result.Output);
    }
}
