using Mpt.Evaluation;
using Mpt.Metrics;
using Mpt.Tasks;
using Xunit;

namespace Mpt.Tests.Evaluation;

/// <summary>
/// Per-example test outcomes rescore exactly as the run scored them (<see cref="MetricSuite"/>), on the whole test set and
/// on a resample with repeats, for a per-example metric (accuracy), corpus metrics (F1 + accuracy, Matthews) and a
/// grouped one (MultiRC, resampled by question); and they survive the file.
/// </summary>
public sealed class TestPredictionsTests
{
    private static readonly TaskCatalog Catalog = TaskCatalog.CreateDefault();

    private static (TaskDefinition Task, List<TextToTextRow> Rows, List<string> Predictions) Case(string name, int n, int seed)
    {
        var task = Catalog.Get(name);
        var random = new Random(seed);
        var rows = Enumerable.Range(0, n).Select(i => new TextToTextRow($"row {i}", random.Next(2).ToString(), name,
            new Dictionary<string, object?> { ["group"] = (i / 3).ToString() })).ToList();
        var predictions = rows.Select(r => random.NextDouble() < 0.7 ? r.Target : r.Target == "0" ? "1" : "0").ToList();
        return (task, rows, predictions);
    }

    private static TaskEvaluationResult Evaluated(TaskDefinition task, List<TextToTextRow> rows, List<string> predictions)
    {
        var metrics = MetricSuite.Score(task, rows, predictions);
        return new TaskEvaluationResult(task.Name, rows.Count, metrics, null, EvaluationReport.AverageOf(metrics), "test", predictions,
            rows.Select(r => r.Target).ToList());
    }

    [Theory]
    [InlineData("rte")]
    [InlineData("mrpc")]
    [InlineData("cola")]
    [InlineData("squad")]
    public void Should_Rescore_The_Test_Set_And_A_Resample_Exactly_As_The_Metric_Suite(string name)
    {
        var (task, rows, predictions) = Case(name, 40, 5);
        var result = Evaluated(task, rows, predictions);
        var outcomes = TestPredictions.Of(task, rows, result);

        Assert.Equal(result.Average, outcomes.Score());
        Assert.Equal(40, outcomes.UnitCount);
        int[] draw = [3, 3, 7, 0, 39, 12, 12, 12, 5, 20, 21, 22, 8, 9, 1];
        var drawnRows = draw.Select(i => rows[i]).ToList();
        double expected = EvaluationReport.AverageOf(MetricSuite.Score(task, drawnRows, draw.Select(i => predictions[i]).ToList()));
        Assert.Equal(expected, outcomes.Score(draw));
    }

    [Fact]
    public void Should_Resample_MultiRC_By_Question_With_Each_Drawn_Copy_Its_Own_Question()
    {
        var (task, rows, predictions) = Case("superglue-multirc", 12, 9);
        var result = Evaluated(task, rows, predictions);
        var outcomes = TestPredictions.Of(task, rows, result);

        Assert.Equal(result.Average, outcomes.Score());
        var units = outcomes.Units;
        Assert.Equal([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]], units);
        // Questions 1, 1, 3: six answers and three questions for exact match, question 1 twice under two names.
        int[] draw = [1, 1, 3];
        var copies = draw.SelectMany((q, position) => units[q].Select(i => rows[i] with
            { ExtraFields = new Dictionary<string, object?> { ["group"] = $"copy {position}" } })).ToList();
        double expected = EvaluationReport.AverageOf(MetricSuite.Score(task, copies, draw.SelectMany(q => units[q].Select(i => predictions[i])).ToList()));
        Assert.Equal(expected, outcomes.Score(draw));
    }

    [Theory]
    [InlineData("superglue-multirc")]
    [InlineData("squad")] // free text: no labels, no groups
    public void Should_Read_Back_What_It_Wrote(string name)
    {
        var (task, rows, predictions) = Case(name, 6, 2);
        var outcomes = TestPredictions.Of(task, rows, Evaluated(task, rows, predictions));
        string file = Path.Combine(Path.GetTempPath(), $"mpt-test-predictions-{Guid.NewGuid():N}.json");
        try
        {
            TestPredictionsFile.Write(file, [outcomes]);
            var read = TestPredictionsFile.Read(file)[task.Name];

            Assert.Equal(outcomes.Metrics, read.Metrics);
            Assert.Equal(outcomes.Labels, read.Labels);
            Assert.Equal(outcomes.Predictions, read.Predictions);
            Assert.Equal(outcomes.Targets, read.Targets);
            Assert.Equal(outcomes.Groups, read.Groups);
            Assert.Equal(outcomes.Score(), read.Score());
            Assert.Contains($"\"metrics\":[\"{(name == "squad" ? "squad" : "multi_rc")}\"]", File.ReadAllText(file));
            Assert.False(File.Exists(file + ".tmp"));
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Should_Name_The_File_And_Task_Of_Lists_Of_Unequal_Length()
    {
        string file = Path.Combine(Path.GetTempPath(), $"mpt-test-predictions-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(file, """{"format_version": 1, "tasks": [{"task": "rte", "metrics": ["accuracy"], "predictions": ["0", "1"], "targets": ["0"]}]}""");
            var e = Assert.Throws<InvalidDataException>(() => TestPredictionsFile.Read(file));
            Assert.Contains(file, e.Message);
            Assert.Contains("task 'rte'", e.Message);
        }
        finally { File.Delete(file); }
    }
}
