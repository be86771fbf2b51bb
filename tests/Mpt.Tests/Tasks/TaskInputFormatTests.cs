using System.Text.Json;
using Mpt.Tasks;
using Xunit;

namespace Mpt.Tests.Tasks;

/// <summary>
/// A row to predict needs a task's input fields only: every example of the tasks golden set that formats, stripped of its
/// target field (<see cref="ITaskFormatter.TargetField"/>), gives the same sources through
/// <see cref="TaskDefinition.FormatInput"/> with empty targets (so each formatter's placeholder is one it accepts), and
/// with the field kept gives exactly <see cref="TaskDefinition.Format"/>'s rows.
/// </summary>
public sealed class TaskInputFormatTests
{
    private static readonly TaskCatalog Catalog = TaskCatalog.CreateDefault();

    public static TheoryData<string, int> FormattableExamples()
    {
        var data = new TheoryData<string, int>();
        foreach (JsonElement t in TasksGolden.Tasks)
        {
            var examples = t.GetProperty("examples");
            for (int j = 0; j < examples.GetArrayLength(); j++)
            {
                JsonElement want = examples[j].GetProperty("add_prefix_true");
                if (!(want.ValueKind == JsonValueKind.Object && want.TryGetProperty("error", out _))) data.Add(t.GetProperty("task").GetString()!, j);
            }
        }
        return data;
    }

    [Fact]
    public void Should_Find_Formattable_Golden_Examples() => Assert.NotEmpty(FormattableExamples());

    [Theory]
    [MemberData(nameof(FormattableExamples))]
    public void Should_Format_An_Example_Without_Its_Target_To_The_Same_Sources(string taskName, int index)
    {
        // Given
        TaskDefinition task = Catalog.Get(taskName);
        var example = TasksGolden.Raw(TasksGolden.Task(taskName).GetProperty("examples")[index]);
        Assert.True(example.ContainsKey(task.Formatter.TargetField), $"{taskName}: the golden example has no '{task.Formatter.TargetField}'");
        var unlabelled = example.Where(kv => kv.Key != task.Formatter.TargetField).ToDictionary(kv => kv.Key, kv => kv.Value);

        // When
        var labelled = task.Format(example);
        var inputs = task.FormatInput(unlabelled);

        // Then
        Assert.Equal(labelled.Select(r => r.Source).Distinct(), inputs.Select(r => r.Source).Distinct());
        Assert.All(inputs, r => Assert.Equal("", r.Target));
        Assert.Equal(labelled.Select(r => (r.Source, r.Target)), task.FormatInput(example).Select(r => (r.Source, r.Target)));
    }
}
