using System.Text.Json;
using Mpt.Data;
using Mpt.Tasks;
using Xunit;

namespace Mpt.Tests.Tasks;

/// <summary>
/// Every task and every example of the tasks golden set (ATTEMPT's own preprocessors): rows equal byte for byte for
/// add_prefix true and false (extra_fields included), error cases raise, DePT's MRQA rows under
/// <see cref="FormatOptions.MrqaDeptFormat"/>, the task metadata, and <c>get_check</c>'s split membership.
/// </summary>
public sealed class TasksGoldenTests
{
    private static readonly TaskCatalog Catalog = TaskCatalog.CreateDefault();

    public static TheoryData<string> TaskNames()
    {
        var data = new TheoryData<string>();
        foreach (JsonElement t in TasksGolden.Tasks) data.Add(t.GetProperty("task").GetString()!);
        return data;
    }

    public static TheoryData<string, int, bool> Examples()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (JsonElement t in TasksGolden.Tasks)
        {
            int count = t.GetProperty("examples").GetArrayLength();
            for (int j = 0; j < count; j++)
            {
                data.Add(t.GetProperty("task").GetString()!, j, true);
                data.Add(t.GetProperty("task").GetString()!, j, false);
            }
        }
        return data;
    }

    [Fact]
    public void Should_Read_A_Tasks_Golden_File_With_Tasks()
    {
        Assert.Equal("mpt-tasks-golden-v1", TasksGolden.Root.GetProperty("format").GetString());
        Assert.NotEmpty(TaskNames());
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Should_Format_Golden_Example(string taskName, int index, bool addPrefix)
    {
        // Given
        TaskDefinition task = Catalog.Get(taskName);
        JsonElement example = TasksGolden.Task(taskName).GetProperty("examples")[index];
        JsonElement want = example.GetProperty(addPrefix ? "add_prefix_true" : "add_prefix_false");
        var options = FormatOptions.Default with { AddPrefix = addPrefix };

        // When / Then
        if (want.ValueKind == JsonValueKind.Object && want.TryGetProperty("error", out JsonElement error))
        {
            var e = Assert.Throws<TaskFormatException>(() => task.Format(TasksGolden.Raw(example), options));
            Assert.Contains(taskName, e.Message);
            Assert.False(string.IsNullOrWhiteSpace(error.GetString()));
            return;
        }
        AssertRows(want, task.Format(TasksGolden.Raw(example), options), $"{taskName}[{index}] prefix={addPrefix}");
    }

    /// <summary>The examples that carry a DePT reference (the MRQA tasks'), with both prefix settings.</summary>
    public static TheoryData<string, int, bool> DeptExamples()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (var (task, index, prefix) in Examples().Select(row => ((string)row[0], (int)row[1], (bool)row[2])))
            if (TasksGolden.Task(task).GetProperty("examples")[index].TryGetProperty("dept", out _)) data.Add(task, index, prefix);
        return data;
    }

    [Fact]
    public void Should_Find_DePT_References_In_The_Golden_Tasks() => Assert.NotEmpty(DeptExamples());

    [Theory]
    [MemberData(nameof(DeptExamples))]
    public void Should_Format_Golden_Mrqa_Example_As_DePT_When_Asked(string taskName, int index, bool addPrefix)
    {
        JsonElement dept = TasksGolden.Task(taskName).GetProperty("examples")[index].GetProperty("dept");
        TaskDefinition task = Catalog.Get(taskName);
        Assert.Equal(dept.GetProperty("name").GetString(), task.Name);
        var options = FormatOptions.Default with { AddPrefix = addPrefix, MrqaDeptFormat = true };
        var got = task.Format(JsonValues.ToRecord(dept.GetProperty("raw")), options);
        AssertRows(dept.GetProperty(addPrefix ? "add_prefix_true" : "add_prefix_false"), got, $"dept {taskName}[{index}]");
    }

    [Theory]
    [MemberData(nameof(TaskNames))]
    public void Should_Match_Golden_Task_Metadata(string taskName)
    {
        JsonElement g = TasksGolden.Task(taskName);
        TaskDefinition task = Catalog.Get(taskName);
        Assert.Equal(g.GetProperty("prefix_when_add_prefix").GetString(), task.Prefix);
        Assert.Equal(g.GetProperty("name").GetString(), task.Prefix);
        JsonElement hf = g.GetProperty("hf_dataset");
        Assert.Equal(hf.GetProperty("path").GetString(), task.HfDataset!.Path);
        Assert.Equal(hf.GetProperty("config").ValueKind == JsonValueKind.Null ? null : hf.GetProperty("config").GetString(),
            task.HfDataset.Config);
        Assert.Equal(TasksGolden.Canonical(g.GetProperty("labels_list")), TasksGolden.Canonical(task.Labels));
        Assert.Equal(TasksGolden.Canonical(g.GetProperty("metric_names")), TasksGolden.Canonical(task.ReferenceMetricNames));
        Assert.Equal(g.GetProperty("split_rule").GetString(), task.SplitRule.ToString().ToLowerInvariant());
        JsonElement map = g.GetProperty("split_to_data_split");
        Assert.Equal(map.GetProperty("train").GetString(), task.DataSplits.Train);
        Assert.Equal(map.TryGetProperty("validation", out JsonElement v) ? v.GetString() : null, task.DataSplits.Validation);
        Assert.Equal(map.GetProperty("test").GetString(), task.DataSplits.Test);
        // The split rule is ATTEMPT's list membership of the class name.
        JsonElement lists = TasksGolden.Root.GetProperty("split_lists");
        bool small = lists.GetProperty("small").EnumerateArray().Any(n => n.GetString() == task.Prefix);
        bool large = lists.GetProperty("large").EnumerateArray().Any(n => n.GetString() == task.Prefix);
        Assert.Equal(small ? SplitRule.Small : large ? SplitRule.Large : SplitRule.Own, task.SplitRule);
        // Every field the schema requires is a field the reference schema documents.
        JsonElement schema = g.GetProperty("schema");
        if (schema.ValueKind == JsonValueKind.Object)
            foreach (FieldSpec f in task.Schema.Where(f => f.Required))
                Assert.True(schema.TryGetProperty(f.Name, out _), $"{taskName}: schema field '{f.Name}' is not in the golden schema");
    }

    [Theory]
    [MemberData(nameof(TaskNames))]
    public void Should_Validate_Golden_Examples_Against_The_Task_Schema(string taskName)
    {
        TaskDefinition task = Catalog.Get(taskName);
        foreach (JsonElement example in TasksGolden.Task(taskName).GetProperty("examples").EnumerateArray())
        {
            var raw = TasksGolden.Raw(example);
            var errors = RowSchema.Check(task.Schema, raw);
            // The golden file's deliberate quirk example (HF squad dict layout) is not the documented layout.
            if (example.GetProperty("note").GetString()!.StartsWith("quirk", StringComparison.Ordinal))
                Assert.NotEmpty(errors);
            else
                Assert.Empty(errors);
        }
    }

    [Theory]
    [MemberData(nameof(TaskNames))]
    public void Should_Put_The_Golden_Examples_In_The_Golden_Splits(string taskName)
    {
        // Given: ATTEMPT's get() over a stand-in dataset that returns the usable examples for every split name.
        TaskDefinition task = Catalog.Get(taskName);
        JsonElement check = TasksGolden.Task(taskName).GetProperty("get_check");
        int[] used = check.GetProperty("examples_used").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        foreach (JsonProperty split in check.GetProperty("split_indices").EnumerateObject())
        {
            DataSplit which = Enum.Parse<DataSplit>(split.Name, ignoreCase: true);
            // When
            SplitPlan plan = DatasetSplitter.Plan(task, which, _ => used.Length);
            // Then
            int[] want = split.Value.EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.Equal(want, plan.Indices.Select(i => used[i]).ToArray());
        }
    }

    public static TheoryData<int> RandPermEntries()
    {
        var data = new TheoryData<int>();
        int count = TasksGolden.Root.GetProperty("randperm").GetArrayLength();
        for (int i = 0; i < count; i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(RandPermEntries))]
    public void Should_Reproduce_Torch_RandPerm(int entry)
    {
        JsonElement e = TasksGolden.Root.GetProperty("randperm")[entry];
        int[] want = e.GetProperty("perm").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        int[] got = TorchRandPerm.Permutation(e.GetProperty("n").GetInt32(), e.GetProperty("seed").GetInt64());
        Assert.Equal(want, got);
    }

    private static void AssertRows(JsonElement want, IReadOnlyList<TextToTextRow> got, string what)
    {
        Assert.True(want.GetArrayLength() == got.Count, $"{what}: want {want.GetArrayLength()} rows, got {got.Count}");
        for (int i = 0; i < got.Count; i++)
        {
            JsonElement w = want[i];
            Assert.Equal(w.GetProperty("source").GetString(), got[i].Source);
            Assert.Equal(w.GetProperty("target").GetString(), got[i].Target);
            Assert.Equal(w.GetProperty("task").GetString(), got[i].Task);
            if (w.TryGetProperty("extra_fields", out JsonElement extra))
                Assert.Equal(TasksGolden.Canonical(extra), TasksGolden.Canonical(got[i].ExtraFields));
        }
    }
}
