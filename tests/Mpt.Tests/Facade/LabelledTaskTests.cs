using Mpt.Data;
using Xunit;

namespace Mpt.Tests.Facade;

/// <summary>Tasks for the facade read from data files, and the checks made before any training.</summary>
public sealed class LabelledTaskTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mpt-task-").FullName;

    [Fact]
    public void Should_Read_Text_And_Numeric_Labels_From_Jsonl_And_Csv_Files()
    {
        // Given
        string train = Write("train.jsonl", """{"text": "good day", "label": 1}""", """{"text": "bad day", "label": 0}""", """{"text": "fine day", "label": 1}""");
        string dev = Write("dev.jsonl", """{"text": "ok day", "label": 0}""");
        string csvFile = Write("other.csv", "sentence,y", "nice day,1", "awful day,0");

        // When
        var task = LabelledTask.FromFiles("days", train);
        var withDev = LabelledTask.FromFiles("days", train, dev);
        var csv = LabelledTask.FromFiles("csv", csvFile, textField: "sentence", labelField: "y");

        // Then: labels in order of first appearance, numbers as invariant text
        Assert.Equal([("good day", "1"), ("bad day", "0"), ("fine day", "1")], task.Examples);
        Assert.Equal(["1", "0"], task.Labels);
        Assert.Null(task.Validation);
        Assert.Equal([("ok day", "0")], withDev.Validation!);
        Assert.Equal([("nice day", "1"), ("awful day", "0")], csv.Examples);
        task.Validate();
    }

    [Fact]
    public void Should_Name_The_File_Line_And_Field_Of_A_Row_Without_Its_Label()
    {
        string train = Write("train.jsonl", """{"text": "good day", "label": 1}""", """{"text": "bad day"}""");

        var error = Assert.Throws<DataFormatException>(() => LabelledTask.FromFiles("days", train));

        Assert.Contains("train.jsonl", error.Message);
        Assert.Contains("line 2", error.Message);
        Assert.Contains("'label'", error.Message);
    }

    [Fact]
    public void Should_Refuse_A_Validation_Label_The_Training_Examples_Do_Not_Have()
    {
        var task = new LabelledTask("t", [("a", "x"), ("b", "y")]) { Validation = [("c", "z")] };

        var error = Assert.Throws<ArgumentException>(task.Validate);

        Assert.Contains("task 't'", error.Message);
        Assert.Contains("'z'", error.Message);
    }

    [Fact]
    public void Should_Describe_A_Label_By_Its_Own_Text_Unless_A_Description_Is_Given()
    {
        var task = new LabelledTask("t", [("a", "pos"), ("b", "neg")]) { LabelDescriptions = new Dictionary<string, string> { ["neg"] = "a bad thing" } };

        Assert.Equal(["pos", "a bad thing"], task.Descriptions);
    }

    private string Write(string name, params string[] lines)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
