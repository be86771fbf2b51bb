using Mpt.Cli;
using Mpt.Evaluation;
using Mpt.Metrics;
using Mpt.Pipeline;
using Mpt.Reports;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// <c>mpt report RUN_DIR</c> recomputes the paired comparisons from the per-example test predictions of a finished folder
/// (and prints them, writes them into results.json and the report), and says — without failing — when a folder made
/// before they were recorded has none.
/// </summary>
public sealed class ReportComparisonsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-report-comparisons-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>rte, 20 test rows, seeds 1 and 2: MPT right on 18 of them, PT on 10 (the same first rows for both seeds).</summary>
    private RunResults WriteRun(bool predictions) => WriteRun(_dir, predictions, mptCorrect: 18);

    private static RunResults WriteRun(string dir, bool predictions, int mptCorrect)
    {
        var targets = Enumerable.Range(0, 20).Select(i => (i % 2).ToString()).ToList();
        List<string> Predicted(int correct) => targets.Select((t, i) => i < correct ? t : t == "0" ? "1" : "0").ToList();
        var byMethod = new Dictionary<string, MethodResult>();
        foreach (var (method, correct) in new[] { ("mpt", mptCorrect), ("pt", 10) })
        {
            byMethod[method] = MethodResult.FromSeeds("accuracy", [new SeedScore(1, 5.0 * correct), new SeedScore(2, 5.0 * correct)], 100);
            if (!predictions) continue;
            foreach (long seed in new long[] { 1, 2 })
                TestPredictionsFile.Write(Path.Combine(RunComparisons.TargetRunFolder(dir, "rte", method, seed), TestPredictionsFile.FileName),
                    [new TestPredictions("rte", [MetricKind.Accuracy], Predicted(correct), targets, ["0", "1"])]);
        }
        var results = new RunResults(Targets: new Dictionary<string, IReadOnlyDictionary<string, MethodResult>> { ["rte"] = byMethod });
        results.Write(Path.Combine(dir, RunResults.FileName));
        return results;
    }

    [Fact]
    public void Should_Recompute_The_Comparisons_From_The_Stored_Predictions()
    {
        WriteRun(predictions: true);

        var result = CliRunner.Run("report", _dir, "--resamples", "2000");

        Assert.Equal(MptCli.Ok, result.ExitCode);
        Assert.Contains("rte  MPT − PT  +40.0 [", result.Output);
        Assert.Contains("distinguishable from 0 (MPT better)", result.Output);
        var comparison = RunResults.Read(Path.Combine(_dir, RunResults.FileName)).Comparisons!["rte"]["mpt-pt"];
        Assert.Equal((40.0, 2000, 2, 20), (comparison.Mean, comparison.Resamples, comparison.Seeds, comparison.Examples));
        Assert.True(comparison.Low > 0);
        string report = File.ReadAllText(Path.Combine(_dir, "report", "report.md"));
        Assert.Contains("| rte | MPT − PT | +40.0 |", report);
        Assert.Contains("Distinguishable from 0: MPT − PT on rte (+40.0).", report);
    }

    [Fact]
    public void Should_Pool_Folders_That_Differ_In_Their_Distillation_With_The_Folders_Resampled()
    {
        // Given: this folder (MPT right on 18 of 20, PT on 10: +40 on both seeds) and one of the same design where MPT is
        // right on 10, like PT (0 on both seeds); each folder alone has a one-point interval, [+40, +40] or [0, 0]
        WriteRun(predictions: true);
        string other = Path.Combine(_dir, "other-distillation");
        WriteRun(other, predictions: true, mptCorrect: 10);
        string before = File.ReadAllText(Path.Combine(_dir, RunResults.FileName));

        // When
        var result = CliRunner.Run("report", _dir, "--pool", other, "--resamples", "2000");

        // Then: the folders weigh equally (+20); a resample that draws the second folder twice has MPT − PT exactly 0 (a
        // quarter of them), so the interval reaches 0 and its upper end reaches the first folder's +40: what one folder
        // called distinguishable (the test above) is not, once the folders are resampled. Nothing is written.
        Assert.Equal(MptCli.Ok, result.ExitCode);
        Assert.Contains("paired differences pooled over 2 run folders", result.Output);
        var line = System.Text.RegularExpressions.Regex.Match(result.Output, @"rte  MPT − PT  \+20\.0 \[([^,]+), ([^\]]+)\]  not distinguishable from 0");
        Assert.True(line.Success, result.Output);
        double Value(string text) => double.Parse(text.Replace('−', '-'), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0.0, Value(line.Groups[1].Value));
        Assert.True(Value(line.Groups[2].Value) >= 40.0, line.Value);
        Assert.Equal(before, File.ReadAllText(Path.Combine(_dir, RunResults.FileName)));
        Assert.False(Directory.Exists(Path.Combine(_dir, "report")));
    }

    [Fact]
    public void Should_Say_That_There_Is_Nothing_To_Pool_When_No_Folder_Pair_Has_Predictions()
    {
        // Given: two folders made before per-example predictions were stored; the pooled answer used to be the notes alone
        WriteRun(predictions: false);
        string other = Path.Combine(_dir, "other-distillation");
        WriteRun(other, predictions: false, mptCorrect: 10);

        var result = CliRunner.Run("report", _dir, "--pool", other);

        Assert.Equal(MptCli.Ok, result.ExitCode);
        Assert.Contains("comparisons: nothing to pool: no target has two compared methods with per-example test predictions in all 2 run folders", result.Output);
        Assert.DoesNotContain("paired differences pooled", result.Output);
    }

    [Fact]
    public void Should_Say_That_An_Old_Folder_Has_No_Per_Example_Predictions_Without_Failing()
    {
        WriteRun(predictions: false);
        string before = File.ReadAllText(Path.Combine(_dir, RunResults.FileName));

        var result = CliRunner.Run("report", _dir);

        Assert.Equal(MptCli.Ok, result.ExitCode);
        Assert.Contains($"comparisons: rte: MPT has no per-example test predictions ({Path.Combine(RunComparisons.TargetRunFolder(_dir, "rte", "mpt", 1), TestPredictionsFile.FileName)} not found", result.Output);
        Assert.Contains(ComparisonLines.NoneRecorded, File.ReadAllText(Path.Combine(_dir, "report", "report.md")));
        Assert.Equal(before, File.ReadAllText(Path.Combine(_dir, RunResults.FileName)));
    }

    [Fact]
    public void Should_Leave_Out_A_Method_Whose_Predictions_File_Is_Damaged_Naming_The_File()
    {
        WriteRun(predictions: true);
        string damaged = Path.Combine(RunComparisons.TargetRunFolder(_dir, "rte", "pt", 2), TestPredictionsFile.FileName);
        File.WriteAllText(damaged, "{\"format_version\": 1, \"tasks\": [");

        var result = CliRunner.Run("report", _dir);

        Assert.Equal(MptCli.Ok, result.ExitCode);
        Assert.Contains($"comparisons: rte: PT: {damaged}: not a valid test_predictions.json", result.Output);
        Assert.DoesNotContain("MPT − PT", result.Output);
    }

    [Fact]
    public void Should_Refuse_Fewer_Than_One_Resample()
    {
        WriteRun(predictions: true);
        var result = CliRunner.Run("report", _dir, "--resamples", "0");
        Assert.Equal(MptCli.Failed, result.ExitCode);
        Assert.Contains("--resamples must be at least 1", result.Error);
    }
}
