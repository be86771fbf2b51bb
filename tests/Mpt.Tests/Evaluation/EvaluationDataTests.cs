using Mpt.Data;
using Mpt.Evaluation;
using Mpt.Tasks;
using Parquet.Schema;
using Parquet.Serialization;
using Xunit;

namespace Mpt.Tests.Evaluation;

/// <summary>Loading evaluation data from a file or a folder of HF split files, with ATTEMPT's split rule.</summary>
public sealed class EvaluationDataTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-evaldata-").FullName;
    private readonly TaskCatalog _catalog = TaskCatalog.CreateDefault();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task WriteSst2Parquet(string path, int first, int count)
    {
        var schema = new ParquetSchema(new DataField<string>("sentence"), new DataField<long>("label"), new DataField<long>("idx"));
        var rows = Enumerable.Range(first, count).Select(i => (IDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["sentence"] = $"sentence number {i}", ["label"] = (long)(i % 2), ["idx"] = (long)i,
        }).ToList();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using FileStream s = File.Create(path);
        await ParquetSerializer.SerializeUntypedAsync(rows, schema, s);
    }

    [Fact]
    public async Task Should_Read_The_Split_Files_Of_A_Hub_Folder_And_Apply_The_Split_Rule()
    {
        // Given: SST-2 (a "large" task) as the hub exports it: train in two shards, validation in one.
        string folder = Path.Combine(_dir, "sst2");
        await WriteSst2Parquet(Path.Combine(folder, "train-00000-of-00002.parquet"), 0, 1200);
        await WriteSst2Parquet(Path.Combine(folder, "train-00001-of-00002.parquet"), 1200, 300);
        await WriteSst2Parquet(Path.Combine(folder, "validation-00000-of-00001.parquet"), 5000, 20);
        TaskDefinition sst2 = _catalog.Get("sst2");

        // When
        EvaluationDataset validation = EvaluationData.Load(sst2, folder, DataSplit.Validation);
        EvaluationDataset test = EvaluationData.Load(sst2, folder, DataSplit.Test, maxExamples: 5);

        // Then: validation = the first 1000 of the permuted train split (both shards), test = the original validation.
        SplitPlan plan = DatasetSplitter.Plan(sst2, DataSplit.Validation, _ => 1500);
        Assert.Equal("train", validation.SourceSplit);
        Assert.Equal(2, validation.Files.Count);
        Assert.Equal(1500, validation.AvailableExamples);
        Assert.Equal(plan.Indices.Select(i => $"sst2 sentence: sentence number {i}"), validation.Rows.Select(r => r.Source));
        Assert.Equal("validation", test.SourceSplit);
        Assert.Equal(5, test.Rows.Count);
        Assert.All(test.Rows, r => Assert.StartsWith("sst2 sentence: sentence number 50", r.Source));
    }

    [Fact]
    public void Should_Use_A_Whole_File_Without_A_Split_And_Cap_It()
    {
        string path = Path.Combine(_dir, "rte.jsonl");
        File.WriteAllLines(path, Enumerable.Range(0, 4).Select(i =>
            $$"""{"sentence1": "s{{i}}", "sentence2": "t", "label": {{i % 2}}, "idx": {{i}}}"""));
        EvaluationDataset data = EvaluationData.Load(_catalog.Get("rte"), path, maxExamples: 3);
        Assert.Null(data.SourceSplit);
        Assert.Equal(["rte sentence1: s0 sentence2: t", "rte sentence1: s1 sentence2: t", "rte sentence1: s2 sentence2: t"],
            data.Rows.Select(r => r.Source));
        Assert.Equal(["0", "1", "0"], data.Rows.Select(r => r.Target));
    }

    [Fact]
    public void Should_Name_The_File_Line_And_Field_Of_A_Malformed_Row()
    {
        string path = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllLines(path,
        [
            """{"sentence1": "a", "sentence2": "b", "label": 0, "idx": 0}""",
            """{"sentence1": "a", "label": 1, "idx": 1}""",
        ]);
        var e = Assert.Throws<DataFormatException>(() => EvaluationData.Load(_catalog.Get("rte"), path));
        Assert.Contains("bad.jsonl line 2, field 'sentence2'", e.Message);
    }

    [Fact]
    public void Should_Explain_A_Missing_File_And_A_Folder_Without_The_Split()
    {
        TaskDefinition rte = _catalog.Get("rte");
        string missing = Path.Combine(_dir, "nope.jsonl");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => EvaluationData.Load(rte, missing)).Message);

        File.WriteAllText(Path.Combine(_dir, "train.jsonl"), "");
        var e = Assert.Throws<FileNotFoundException>(() => EvaluationData.Load(rte, _dir, DataSplit.Test));
        Assert.Contains("no data file for split 'validation'", e.Message);
        Assert.Contains("train.jsonl", e.Message);
        Assert.Contains("say which split", Assert.Throws<ArgumentException>(() => EvaluationData.Load(rte, _dir)).Message);
    }
}
