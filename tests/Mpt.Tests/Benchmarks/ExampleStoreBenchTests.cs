using System.Text.Json;
using Mpt.Benchmarks;
using Mpt.Tests.Cli;
using Xunit;

namespace Mpt.Tests.Benchmarks;

/// <summary><c>mpt bench example-store</c> on a few small examples: one memory line and one collation line per representation.</summary>
public sealed class ExampleStoreBenchTests
{
    [Fact]
    public void Should_Report_The_Heap_Per_Example_Of_Both_Representations_And_Their_Collation()
    {
        var result = CliRunner.Run("bench", ExampleStoreBenchmark.Name, "--examples", "2000", "--seq", "32", "--target", "4", "--batch", "4",
            "--collate-batches", "5", "--rounds", "2");

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        var memory = lines.Where(l => l.GetProperty("bench").GetString() == ExampleStoreBenchmark.Name)
            .ToDictionary(l => l.GetProperty("representation").GetString()!);
        Assert.Equal(["arrays", "packed"], memory.Keys.Order());
        Assert.Equal(8, memory["arrays"].GetProperty("bytes_per_id").GetInt32());
        Assert.Equal(2, memory["packed"].GetProperty("bytes_per_id").GetInt32());
        // Arrays: at least 8 B per id plus two array headers; packed: the ids at 2 B plus at most the unused tails of the
        // doubling chunks (less than twice the largest chunk over the 2,000 examples).
        double arrays = memory["arrays"].GetProperty("bytes_per_example").GetDouble(), packed = memory["packed"].GetProperty("bytes_per_example").GetDouble();
        Assert.True(arrays >= 36 * 8 + 2 * 24, $"arrays: {arrays} B per example");
        Assert.InRange(memory["packed"].GetProperty("id_bytes_per_example").GetDouble(), 36 * 2, 36 * 2 + 2.0 * 2 * Mpt.Training.TokenIdStore.MaxChunkIds / 2000);
        Assert.True(packed < arrays, $"packed {packed} B vs arrays {arrays} B per example");
        var collate = lines.Where(l => l.GetProperty("bench").GetString() == ExampleStoreBenchmark.Name + "-collate").ToList();
        Assert.Equal(2, collate.Count);
        Assert.All(collate, l => Assert.Equal(2, l.GetProperty("rounds").GetInt32()));
    }

    [Fact]
    public void Should_Name_The_Flag_Of_A_Bad_Value()
    {
        var result = CliRunner.Run("bench", ExampleStoreBenchmark.Name, "--examples", "4", "--batch", "5");

        Assert.NotEqual(Mpt.Cli.MptCli.Ok, result.ExitCode);
        Assert.Contains("--batch", result.Error);
    }
}
