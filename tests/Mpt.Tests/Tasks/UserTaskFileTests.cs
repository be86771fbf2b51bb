using Mpt.Data;
using Mpt.Metrics;
using Mpt.Tasks;
using Xunit;

namespace Mpt.Tests.Tasks;

/// <summary>User-defined tasks from a JSON file: a working task end to end, and errors that name the field.</summary>
public sealed class UserTaskFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-usertask-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Should_Load_Register_Format_Split_And_Score_A_User_Task()
    {
        // Given
        string taskFile = Write("tasks.json", """
            {"tasks": [{
              "name": "my-nli", "prefix": "nli",
              "template": [["premise:", "p"], ["hypothesis:", "h"]],
              "label_field": "gold", "label_map": {"entailment": "0", "neutral": "1"},
              "metrics": ["accuracy", "f1_macro"], "split_rule": "small",
              "fields": {"p": "string", "h": "string", "gold": "string"}
            }]}
            """);
        string data = Write("data.csv", "p,h,gold\nA cat.,An animal.,entailment\nA dog.,A cat.,neutral\n");
        var catalog = TaskCatalog.CreateDefault();

        // When
        UserTaskFile.RegisterAll(catalog, taskFile);
        TaskDefinition task = catalog.Get("my-nli");
        var rows = DataFiles.ReadForTask(task, data).SelectMany(r => task.Format(r.Fields)).ToList();

        // Then
        Assert.Equal("nli premise: A cat. hypothesis: An animal.", rows[0].Source);
        Assert.Equal(["0", "1"], rows.Select(r => r.Target));
        Assert.Equal(["0", "1"], task.Labels);
        Assert.Equal(SplitRule.Small, task.SplitRule);
        Assert.Equal(100.0, MetricSuite.Score(task, rows, ["0", "1"])[MetricNames.F1Macro], 12);
        Assert.Single(DatasetSplitter.Plan(task, DataSplit.Validation, _ => 2).Indices);
    }

    [Theory]
    [InlineData("""{"template": [["a:", "a"]], "metrics": ["accuracy"]}""", "'name'")]
    [InlineData("""{"name": "t", "metrics": ["accuracy"]}""", "'template'")]
    [InlineData("""{"name": "t", "template": [["a:"]], "metrics": ["accuracy"]}""", "'template[0]'")]
    [InlineData("""{"name": "t", "template": [["a:", "a"]]}""", "'metrics'")]
    [InlineData("""{"name": "t", "template": [["a:", "a"]], "metrics": ["bleu"]}""", "unknown metric 'bleu'")]
    [InlineData("""{"name": "t", "template": [["a:", "a"]], "metrics": ["f1_macro"]}""", "f1_macro needs 'labels'")]
    [InlineData("""{"name": "t", "template": [["a:", "a"]], "metrics": ["accuracy"], "split_rule": "tiny"}""", "'split_rule'")]
    [InlineData("""{"name": "t", "template": [["a:", "a"]], "metrics": ["accuracy"], "fields": {"a": "text"}}""", "'fields.a'")]
    [InlineData("""{"name": "t", "template": [["a:", "a"]], "metrics": ["accuracy"], "fields": {"a": "string"}}""", "does not declare 'label'")]
    [InlineData("""{"name": "t", "template": [["a:", "a"]], "metrics": ["accuracy"], "colour": "red"}""", "unknown field 'colour'")]
    [InlineData("""{"name": "t", "template": [["a:", "a"]], "metrics": ["accuracy"], "labels": ["0"], "label_map": {"x": "1"}}""", "'label_map'")]
    [InlineData("""{"name": "t", "template": [["a:", "a"]], "metrics": ["accuracy"], "label_descriptions": {"x": "y"}}""", "needs 'labels'")]
    [InlineData("""{"name": "t", "template": [["a:", "a"]], "metrics": ["accuracy"], "labels": ["0"], "label_descriptions": {"1": "y"}}""", "'label_descriptions.1'")]
    [InlineData("""{"name": "t", "template": [["a:", "a"]], "metrics": ["accuracy"], "labels": ["0"], "label_descriptions": {"0": ""}}""", "'label_descriptions.0'")]
    [InlineData("""{"name": "t", "template": [["a:", "a"]], "metrics": ["accuracy"], "labels": ["0"], "label_descriptions": ["0"]}""", "'label_descriptions'")]
    [InlineData("""{"name": 5}""", "'name'")]
    [InlineData("""{ not json""", "not valid JSON")]
    public void Should_Reject_An_Invalid_Task_Naming_The_Field(string json, string mention)
    {
        string path = Write("bad.json", json);
        var e = Assert.Throws<FormatException>(() => UserTaskFile.Load(path));
        Assert.Contains("bad.json", e.Message);
        Assert.Contains(mention, e.Message);
    }

    [Fact]
    public void Should_Describe_Each_Label_By_Its_Description_Or_Else_By_Its_Own_Text()
    {
        string path = Write("described.json", """
        {"name": "reviews", "template": [["review:", "text"]], "labels": ["pos", "neg", "mixed"],
         "label_descriptions": {"pos": "a positive review", "neg": "a negative review"}, "metrics": ["accuracy"]}
        """);
        var task = Assert.Single(UserTaskFile.Load(path));
        Assert.Equal(["a positive review", "a negative review", "mixed"], task.DescribedLabels());

        string plain = Write("plain.json", """{"name": "t", "template": [["a:", "a"]], "labels": ["yes", "no"], "metrics": ["accuracy"]}""");
        Assert.Equal(["yes", "no"], Assert.Single(UserTaskFile.Load(plain)).DescribedLabels());
    }
}
