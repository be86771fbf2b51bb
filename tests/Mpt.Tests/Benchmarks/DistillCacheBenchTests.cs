using System.Text.Json;
using Mpt.Benchmarks;
using Mpt.Tests.Cli;
using Xunit;

namespace Mpt.Tests.Benchmarks;

/// <summary>
/// <c>mpt bench distill-step --cache-teachers</c> on the tiny shape: the step served from the teacher-output cache
/// computes the same loss as the step with a fresh teacher pass, and the JSON reports what the cache holds.
/// </summary>
public sealed class DistillCacheBenchTests
{
    private static JsonElement RunJson(params string[] extra)
    {
        var result = CliRunner.Run(["bench", DistillStepBenchmark.Name, "--shape", BenchmarkShapes.Tiny, "--batch", "2", "--seq", "6",
            "--target", "3", "--prompt", "4", "--steps", "2", "--warmup", "1", "--threads", "1", .. extra]);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        return JsonDocument.Parse(result.Output.Trim()).RootElement.Clone();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Should_Compute_The_Uncached_Loss_From_The_Cache(bool dropoutOff)
    {
        string[] dropout = dropoutOff ? ["--no-dropout"] : [];

        var fresh = RunJson(dropout);
        var cached = RunJson([.. dropout, "--cache-teachers"]);

        Assert.False(fresh.GetProperty("cache_teachers").GetBoolean());
        Assert.True(cached.GetProperty("cache_teachers").GetBoolean());
        // Same weights, batch, prompts and dropout masks: the cached teacher targets give the very same first loss
        Assert.Equal(fresh.GetProperty("loss_first").GetDouble(), cached.GetProperty("loss_first").GetDouble());
        Assert.Contains("teacher", cached.GetProperty("phase_ms_median").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Should_Report_The_Bytes_Cached_Per_Example()
    {
        var json = RunJson("--cache-teachers");

        // tiny: vocab 256, d 32; per example logits 3 × 256, encoder final state (4 + 6) × 32, decoder final 3 × 32
        // (float32), masks 6 × int64 + 3 × bool, key (task, n, 6 ids, 6 mask, -1, t, 3 labels) × int64
        long expected = 4L * (3 * 256 + 10 * 32 + 3 * 32) + 6 * 8 + 3 + 8L * (4 + 2 * 6 + 3);
        Assert.Equal(expected, json.GetProperty("teacher_cache_bytes_per_example").GetDouble());
    }

    [Fact]
    public void Should_Not_Offer_The_Cache_For_The_Train_Step()
    {
        var result = CliRunner.Run("bench", TrainStepBenchmark.Name, "--shape", BenchmarkShapes.Tiny, "--cache-teachers");

        Assert.NotEqual(Mpt.Cli.MptCli.Ok, result.ExitCode);
        Assert.Empty(result.Output);
    }
}
