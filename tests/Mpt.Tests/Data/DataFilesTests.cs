using Mpt.Data;
using Mpt.Tasks;
using Parquet.Schema;
using Parquet.Serialization;
using Xunit;

namespace Mpt.Tests.Data;

/// <summary>Loading JSONL / CSV / TSV / Parquet files the tests write themselves, and every error path.</summary>
public sealed class DataFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Should_Read_Jsonl_With_Python_Json_Types()
    {
        string path = Write("a.jsonl", "{\"sentence\": \"hi\", \"label\": 1, \"score\": 2.5, \"idx\": {\"q\": 3}, \"l\": [\"x\"]}\n\n{\"sentence\": \"yo\", \"label\": 0}\n");
        var rows = DataFiles.Read(path).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(1L, rows[0].Fields["label"]);
        Assert.Equal(2.5, rows[0].Fields["score"]);
        Assert.Equal(3L, ((IReadOnlyDictionary<string, object?>)rows[0].Fields["idx"]!)["q"]);
        Assert.Equal(3, rows[1].Location.Line);
    }

    [Fact]
    public void Should_Name_File_And_Line_Of_Bad_Json()
    {
        string path = Write("bad.jsonl", "{\"a\": 1}\n{\"a\": \n");
        var e = Assert.Throws<DataFormatException>(() => DataFiles.Read(path).ToList());
        Assert.Contains("bad.jsonl line 2", e.Message);
        var notObject = Write("arr.jsonl", "[1, 2]\n");
        Assert.Contains("line 1", Assert.Throws<DataFormatException>(() => DataFiles.Read(notObject).ToList()).Message);
    }

    [Fact]
    public void Should_Read_Rfc4180_Csv_With_Quotes_And_Embedded_Line_Breaks()
    {
        string path = Write("a.csv", "question,context,answers\r\n\"Who, really?\",\"He said \"\"hi\"\"\nthen left\",x\ty\r\nq2,c2,a2\n");
        var rows = DataFiles.Read(path).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal("Who, really?", rows[0].Fields["question"]);
        Assert.Equal("He said \"hi\"\nthen left", rows[0].Fields["context"]);
        Assert.Equal("x\ty", rows[0].Fields["answers"]);
        Assert.Equal(4, rows[1].Location.Line); // the second record starts after the embedded line break
    }

    [Fact]
    public void Should_Read_Tsv()
    {
        string path = Write("a.tsv", "sentence\tlabel\nfine, thanks\t1\n");
        DataRow row = Assert.Single(DataFiles.Read(path));
        Assert.Equal("fine, thanks", row.Fields["sentence"]);
        Assert.Equal("1", row.Fields["label"]);
    }

    [Theory]
    [InlineData("a,b\n1,2,3\n", "line 2", "expected 2 fields")]
    [InlineData("a,b\n\"open,2\n", "line 2", "not closed")]
    [InlineData("a,b\n\"x\"y,2\n", "line 2", "after a closing quote")]
    [InlineData("a,b\nx\"y,2\n", "line 2", "quote inside an unquoted field")]
    [InlineData("a,a\n1,2\n", "line 1", "twice")]
    public void Should_Name_File_And_Line_Of_Malformed_Csv(string text, string where, string what)
    {
        string path = Write("bad.csv", text);
        var e = Assert.Throws<DataFormatException>(() => DataFiles.Read(path).ToList());
        Assert.Contains($"bad.csv {where}", e.Message);
        Assert.Contains(what, e.Message);
    }

    [Fact]
    public void Should_Convert_Csv_Cells_To_Schema_Types_And_Name_The_Bad_Field()
    {
        TaskDefinition rte = TaskCatalog.CreateDefault().Get("rte");
        string good = Write("rte.csv", "sentence1,sentence2,label\nA,B,1\n");
        DataRow row = Assert.Single(DataFiles.ReadForTask(rte, good));
        Assert.Equal(1L, row.Fields["label"]);
        Assert.Equal("rte sentence1: A sentence2: B", rte.Format(row.Fields)[0].Source);

        string bad = Write("rte_bad.csv", "sentence1,sentence2,label\nA,B,1\nC,D,yes\n");
        var e = Assert.Throws<DataFormatException>(() => DataFiles.ReadForTask(rte, bad).ToList());
        Assert.Contains("rte_bad.csv line 3", e.Message);
        Assert.Contains("field 'label'", e.Message);
        Assert.Equal("label", e.Field);

        string missing = Write("rte_missing.jsonl", "{\"sentence1\": \"A\", \"label\": 0}\n");
        var m = Assert.Throws<DataFormatException>(() => DataFiles.ReadForTask(rte, missing).ToList());
        Assert.Contains("field 'sentence2'", m.Message);
        Assert.Contains("missing", m.Message);
    }

    [Fact]
    public async Task Should_Read_Parquet_Written_By_Parquet_Net_And_Locate_Rows()
    {
        // Given: a file with two row groups.
        string path = Path.Combine(_dir, "sst2.parquet");
        var schema = new ParquetSchema(new DataField<string>("sentence"), new DataField<int>("label"), new DataField<float>("score"));
        var first = new List<IDictionary<string, object?>> { new Dictionary<string, object?> { ["sentence"] = "good", ["label"] = 1, ["score"] = 0.5f } };
        var second = new List<IDictionary<string, object?>> { new Dictionary<string, object?> { ["sentence"] = "bad", ["label"] = 0, ["score"] = 1.5f } };
        await using (FileStream s = File.Create(path))
            await ParquetSerializer.SerializeUntypedAsync(first, schema, s);
        await using (FileStream s = File.Open(path, FileMode.Open, FileAccess.ReadWrite))
            await ParquetSerializer.SerializeUntypedAsync(second, schema, s, new Parquet.ParquetOptions { Append = true });

        // When
        var rows = DataFiles.Read(path).ToList();

        // Then
        Assert.Equal(2, rows.Count);
        Assert.Equal("good", rows[0].Fields["sentence"]);
        Assert.Equal(1L, rows[0].Fields["label"]);
        Assert.Equal(0.5, rows[0].Fields["score"]);
        Assert.Equal(new RowLocation(path, RowGroup: 1, Row: 0), rows[1].Location);
        TaskDefinition sst2 = TaskCatalog.CreateDefault().Get("sst2");
        Assert.Equal("sst2 sentence: bad", sst2.Format(RowSchema.Validate(sst2.Schema, rows[1]).Fields)[0].Source);
    }

    [Fact]
    public async Task Should_Name_The_Row_Group_Row_And_Field_Of_A_Parquet_Row_That_Breaks_The_Schema()
    {
        string path = Path.Combine(_dir, "wrong.parquet");
        var schema = new ParquetSchema(new DataField<string>("sentence"), new DataField<string>("label"));
        var data = new List<IDictionary<string, object?>>
        {
            new Dictionary<string, object?> { ["sentence"] = "a", ["label"] = "1" },
            new Dictionary<string, object?> { ["sentence"] = "b", ["label"] = "one" },
        };
        await using (FileStream s = File.Create(path))
            await ParquetSerializer.SerializeUntypedAsync(data, schema, s);
        TaskDefinition sst2 = TaskCatalog.CreateDefault().Get("sst2");
        var e = Assert.Throws<DataFormatException>(() => DataFiles.ReadForTask(sst2, path).ToList());
        Assert.Contains("wrong.parquet row group 0 row 1, field 'label'", e.Message);
    }

    [Fact]
    public void Should_Reject_A_File_That_Is_Not_Parquet_And_Unknown_Extensions()
    {
        string fake = Write("fake.parquet", "not parquet at all");
        Assert.Contains("fake.parquet", Assert.Throws<DataFormatException>(() => DataFiles.Read(fake).ToList()).Message);
        string txt = Write("a.txt", "x");
        Assert.Contains("unsupported extension", Assert.Throws<ArgumentException>(() => DataFiles.Read(txt)).Message);
        Assert.Throws<FileNotFoundException>(() => DataFiles.Read(Path.Combine(_dir, "none.jsonl")));
    }
}
