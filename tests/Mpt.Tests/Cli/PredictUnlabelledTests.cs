using System.Text.Json;
using Mpt.Cli;
using Mpt.Tests.Evaluation;
using Parquet.Schema;
using Parquet.Serialization;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// <c>mpt predict --task</c> on a tiny T5 built in the test reads data files whose rows have the task's input fields but
/// no label, in every format the tasks read (JSONL, CSV, TSV, Parquet); a row with a label gets it echoed as its target,
/// and a row without an input field is refused naming the file and the line.
/// </summary>
public sealed class PredictUnlabelledTests : IDisposable
{
    private readonly TinyEvaluationWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private static List<JsonElement> Lines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Theory]
    [InlineData(".jsonl")]
    [InlineData(".csv")]
    [InlineData(".tsv")]
    [InlineData(".parquet")]
    public async Task Should_Predict_Rows_Without_Labels_In_Every_Format(string extension)
    {
        // Given: two RTE rows with both sentences and no label column.
        string path = _ws.PathOf("new" + extension);
        string[] first = ["A man walks in the park.", "It rains today."], second = ["A man walks.", "It is dry."];
        switch (extension)
        {
            case ".jsonl":
                _ws.WriteJsonl("new.jsonl", first.Select((s, i) => (object)new { sentence1 = s, sentence2 = second[i] }));
                break;
            case ".parquet":
                var schema = new ParquetSchema(new DataField<string>("sentence1"), new DataField<string>("sentence2"));
                var rows = first.Select((s, i) => (IDictionary<string, object?>)new Dictionary<string, object?> { ["sentence1"] = s, ["sentence2"] = second[i] }).ToList();
                await using (FileStream stream = File.Create(path))
                    await ParquetSerializer.SerializeUntypedAsync(rows, schema, stream);
                break;
            default:
                string sep = extension == ".csv" ? "," : "\t";
                File.WriteAllLines(path, [$"sentence1{sep}sentence2", .. first.Select((s, i) => $"{s}{sep}{second[i]}")]);
                break;
        }

        // When
        var result = CliRunner.Run("predict", "--model", _ws.ModelDir, "--task", "rte", "--input", path, "--max-new-tokens", "2");

        // Then: one prediction per row, formatted as in training, with no target.
        Assert.True(result.ExitCode == MptCli.Ok, result.Error);
        var lines = Lines(result.Output);
        Assert.Equal(["rte sentence1: A man walks in the park. sentence2: A man walks.", "rte sentence1: It rains today. sentence2: It is dry."],
            lines.Select(l => l.GetProperty("source").GetString()));
        Assert.All(lines, l => Assert.True(l.TryGetProperty("prediction", out _)));
        Assert.All(lines, l => Assert.False(l.TryGetProperty("target", out _), l.ToString()));
    }

    [Fact]
    public void Should_Echo_The_Label_Of_A_Row_That_Has_One()
    {
        string input = _ws.WriteJsonl("mixed.jsonl", [
            new { sentence1 = "A man walks.", sentence2 = "A man walks.", label = 1L },
            new { sentence1 = "It rains.", sentence2 = "It is dry." },
        ]);

        var result = CliRunner.Run("predict", "--model", _ws.ModelDir, "--task", "rte", "--input", input, "--max-new-tokens", "2");

        Assert.True(result.ExitCode == MptCli.Ok, result.Error);
        var lines = Lines(result.Output);
        Assert.Equal("1", lines[0].GetProperty("target").GetString());
        Assert.False(lines[1].TryGetProperty("target", out _));
    }

    [Fact]
    public void Should_Refuse_A_Row_Without_An_Input_Field_Naming_The_File_And_Line()
    {
        string input = _ws.WriteJsonl("bad.jsonl", [
            new { sentence1 = "A man walks.", sentence2 = "A man walks." },
            new { sentence1 = "It rains." },
        ]);

        var result = CliRunner.Run("predict", "--model", _ws.ModelDir, "--task", "rte", "--input", input);

        Assert.Equal(MptCli.Failed, result.ExitCode);
        Assert.Contains($"{input} line 2", result.Error);
        Assert.Contains("sentence2", result.Error);
    }
}
