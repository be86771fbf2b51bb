using System.Text.Json;
using Mpt.Benchmarks;
using Mpt.Tests.Cli;
using Xunit;

namespace Mpt.Tests.Benchmarks;

/// <summary>
/// <c>mpt bench teacher-cache</c> on the tiny shape: the KL lines per k (the lumped KL never above the exact one), and
/// the cache line (RAM per example: everything in memory, an index entry on disk).
/// </summary>
public sealed class TeacherCacheBenchTests
{
    private static List<JsonElement> RunLines(params string[] extra)
    {
        var result = CliRunner.Run(["bench", TeacherCacheBenchmark.Name, "--shape", BenchmarkShapes.Tiny, "--batch", "2", "--seq", "6",
            "--target", "3", "--prompt", "4", "--threads", "1", "--examples", "8", "--topk", "4", "256", "--kl-batches", "2", .. extra]);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    [Fact]
    public void Should_Report_The_Kl_Error_Per_K_And_The_Memory_Of_Each_Cache()
    {
        var memory = RunLines();
        var disk = RunLines("--cache", "disk_topk");

        // The KL lines: k = 4 lumps most of the 256 tokens (an error >= 0), k = 256 = V lumps nothing
        var kl = memory.Where(l => l.GetProperty("bench").GetString() == "teacher-cache-kl").ToDictionary(l => l.GetProperty("k").GetInt32());
        Assert.Equal([4, 256], kl.Keys.Order());
        Assert.True(kl[4].GetProperty("error_mean").GetDouble() >= -1e-7);
        Assert.True(kl[4].GetProperty("tail_mass_mean").GetDouble() > 0);
        Assert.Equal(0, kl[256].GetProperty("tail_mass_max").GetDouble());
        Assert.Equal(1.0, kl[256].GetProperty("prompt_grad_cosine_min").GetDouble(), 1e-5);

        // The cache lines: every example cached once; RAM holds the rows in memory, 40 B of index per row on disk
        var inMemory = memory.Single(l => l.GetProperty("bench").GetString() == TeacherCacheBenchmark.Name);
        var onDisk = disk.Single(l => l.GetProperty("bench").GetString() == TeacherCacheBenchmark.Name);
        Assert.Equal(8, inMemory.GetProperty("examples").GetInt32());
        Assert.Equal(8, onDisk.GetProperty("misses").GetInt32());
        Assert.Equal(40, onDisk.GetProperty("resident_bytes_per_example").GetDouble());
        Assert.True(inMemory.GetProperty("resident_bytes_per_example").GetDouble() > inMemory.GetProperty("value_bytes_per_example").GetDouble());
        Assert.Equal(4, onDisk.GetProperty("k").GetInt32());
    }

    [Fact]
    public void Should_Name_The_Flag_Of_A_Bad_Value()
    {
        var result = CliRunner.Run("bench", TeacherCacheBenchmark.Name, "--shape", BenchmarkShapes.Tiny, "--batch", "4", "--examples", "5");

        Assert.NotEqual(Mpt.Cli.MptCli.Ok, result.ExitCode);
        Assert.Contains("--examples", result.Error);
    }
}
