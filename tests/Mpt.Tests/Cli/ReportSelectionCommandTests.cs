using Mpt.Cli;
using Mpt.Evaluation;
using Mpt.Pipeline;
using Mpt.Metrics;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// <c>mpt report RUN --selection</c> prints the replay of the checkpoint-selection rules on the recorded test curves
/// (and writes no report), and says what to do when no run recorded one.
/// </summary>
public sealed class ReportSelectionCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-report-selection-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Write(long seed, params (long Step, double Dev, double Loss, int Correct)[] points)
    {
        string folder = RunComparisons.TargetRunFolder(_dir, "rte", "mpt", seed);
        foreach (var (step, dev, loss, correct) in points)
            SelectionCurve.Append(folder, new SelectionCurve.Point(step, dev, loss, 10.0 * correct),
                new TestPredictions("rte", [MetricKind.Accuracy], Enumerable.Range(0, 10).Select(i => i < correct ? "0" : "1").ToList(),
                    Enumerable.Repeat("0", 10).ToList(), ["0", "1"]));
    }

    [Fact]
    public void Should_Print_What_Every_Rule_Keeps_And_Scores()
    {
        // Step 0 ties the dev metric on both seeds (so the default few-shot rule keeps it) but has the highest dev loss.
        Write(1, (0, 50, 0.9, 5), (10, 50, 0.5, 9));
        Write(2, (0, 50, 0.9, 5), (10, 50, 0.5, 8));

        var result = CliRunner.Run("report", _dir, "--selection", "--resamples", "500");

        Assert.Equal(MptCli.Ok, result.ExitCode);
        Assert.Contains("checkpoint selection replayed on 2 target runs; differences are rule − dev_metric+0", result.Output);
        Assert.Matches(@"rte\s+MPT\s+dev_metric\+0\s+2/2\s+0\.0\s+50\.00\s+\(reference\)", result.Output);
        Assert.Matches(@"rte\s+MPT\s+dev_loss\+0\s+0/2\s+10\.0\s+85\.00\s+\+35\.0 \[", result.Output);
        Assert.Matches(@"\ndev_loss\+0\s+0/2\s+85\.00\s+\+35\.0\s+1 / 0 of 1", result.Output);
        Assert.False(Directory.Exists(Path.Combine(_dir, "report")));
    }

    [Fact]
    public void Should_Say_How_To_Record_When_No_Run_Has_A_Curve()
    {
        var result = CliRunner.Run("report", _dir, "--selection");
        Assert.Equal(MptCli.Ok, result.ExitCode);
        Assert.Contains("adapt.record_test_curve=true", result.Output);
    }
}
