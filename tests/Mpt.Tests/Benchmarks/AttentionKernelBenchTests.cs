using Mpt.Tests.Cli;
using Xunit;

namespace Mpt.Tests.Benchmarks;

/// <summary><c>mpt bench ... --attention</c>: the kernel is applied and recorded in the JSON line.</summary>
public sealed class AttentionKernelBenchTests
{
    [Theory]
    [InlineData("train-step")]
    [InlineData("generate")]
    public void Should_Record_The_Kernel_And_Run_With_Either(string bench)
    {
        // Training steps without dropout, so that the fused kernel runs (generation is always in eval mode).
        string[] extra = bench == "generate" ? [] : ["--no-dropout"];
        var fused = TinyBench.RunJson(TinyBench.Args(bench, extra));
        var math = TinyBench.RunJson(TinyBench.Args(bench, [.. extra, "--attention", "math"]));

        Assert.Equal("fused", fused.GetProperty("attention_kernel").GetString());
        Assert.Equal("math", math.GetProperty("attention_kernel").GetString());
        if (bench == "train-step")
        {
            // Same weights, batch and seed without dropout: the kernels agree up to float rounding.
            double a = fused.GetProperty("loss_first").GetDouble(), b = math.GetProperty("loss_first").GetDouble();
            Assert.True(Math.Abs(a - b) <= 1e-4 * Math.Abs(b), $"loss_first fused {a} vs math {b}");
        }
    }

    [Fact]
    public void Should_Reject_An_Unknown_Kernel()
    {
        var result = CliRunner.Run(TinyBench.Args("train-step", "--attention", "flash"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("flash", result.Error);
        Assert.Empty(result.Output);
    }
}
