using Mpt.Quickstart;
using Mpt.RealData;
using Xunit;

namespace Mpt.Tests.Quickstart;

/// <summary>Reading a built benchmark back: labels in order, rows as class indices, completeness by sha256, bad rows named.</summary>
public sealed class BuiltBenchmarkTests
{
    [Fact]
    public void Should_Read_Tasks_Labels_And_Rows_As_Class_Indices()
    {
        using var data = new MiniBenchmarkFolder();
        var benchmark = BuiltBenchmark.Open(data.Path);
        Assert.Equal([MiniBenchmarkFolder.Polarity, MiniBenchmarkFolder.Topic, MiniBenchmarkFolder.Reviews], benchmark.Tasks.Select(t => t.Name));
        var topic = benchmark.Task(MiniBenchmarkFolder.Topic);
        Assert.Equal(TaskRole.Source, topic.Role);
        Assert.Equal(["sports", "food and cooking"], topic.LabelDescriptions);
        var train = topic.Read("train");
        Assert.Equal(6, train.Count);
        Assert.Equal(new LabelledText("The striker scored twice in the final match.", "topic", 0), train[0]);
        Assert.Equal(1, train[1].Label);
        Assert.Equal(TaskRole.Target, benchmark.Task(MiniBenchmarkFolder.Reviews).Role);
        var missing = Assert.Throws<KeyNotFoundException>(() => benchmark.Task("uci-amazon"));
        Assert.Contains("mini-reviews", missing.Message);
    }

    [Fact]
    public void Should_Count_A_Build_As_Complete_Only_When_Every_File_Matches_Its_Sha256()
    {
        using var data = new MiniBenchmarkFolder();
        string[] all = [MiniBenchmarkFolder.Polarity, MiniBenchmarkFolder.Reviews];
        Assert.True(BuiltBenchmark.IsComplete(data.Path, all));
        Assert.False(BuiltBenchmark.IsComplete(data.Path, [.. all, "uci-amazon"]));
        File.AppendAllText(data.Combine(MiniBenchmarkFolder.Reviews, "test.jsonl"), "{\"id\":\"x\",\"text\":\"extra\",\"label\":\"positive\"}\n");
        Assert.False(BuiltBenchmark.IsComplete(data.Path, all));
        Assert.True(BuiltBenchmark.IsComplete(data.Path, [MiniBenchmarkFolder.Polarity]));
        Assert.False(BuiltBenchmark.IsComplete(data.Combine("nowhere"), all));
    }

    [Fact]
    public void Should_Name_File_And_Line_Of_A_Row_With_An_Unknown_Label()
    {
        using var data = new MiniBenchmarkFolder();
        string file = data.Combine(MiniBenchmarkFolder.Reviews, "validation.jsonl");
        File.AppendAllText(file, "{\"id\":\"x\",\"text\":\"meh\",\"label\":\"neutral\"}\n");
        int line = File.ReadAllLines(file).Length;
        var e = Assert.Throws<InvalidDataException>(() => BuiltBenchmark.Open(data.Path).Task(MiniBenchmarkFolder.Reviews).Read("validation"));
        Assert.Contains($"{file}:{line}", e.Message);
        Assert.Contains("'neutral'", e.Message);
    }

    [Fact]
    public void Should_Reject_A_Manifest_Of_Another_Format()
    {
        using var data = new MiniBenchmarkFolder();
        string manifest = data.Combine(BenchmarkManifest.FileName);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace(BenchmarkManifest.Format, "mpt-realdata-v0"));
        var e = Assert.Throws<InvalidDataException>(() => BuiltBenchmark.Open(data.Path));
        Assert.Contains(manifest, e.Message);
        Assert.Contains("mpt-realdata-v0", e.Message);
    }
}
