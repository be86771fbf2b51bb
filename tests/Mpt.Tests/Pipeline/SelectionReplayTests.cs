using Mpt.Evaluation;
using Mpt.Metrics;
using Mpt.Pipeline;
using Mpt.Tasks;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>
/// <see cref="SelectionReplay"/> on hand-made curves: which step every rule keeps (ties keep the earlier step, step 0
/// only where it competes), the step-0 counts, and the difference to the reference rule computed from the kept steps'
/// per-example outcomes.
/// </summary>
public sealed class SelectionReplayTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mpt-selection-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A run whose evaluation at step s gets <paramref name="correct"/>[s] of 4 test rows right.</summary>
    private void Write(ulong seed, (long Step, double Dev, double Loss, int Correct)[] points)
    {
        string folder = RunComparisons.TargetRunFolder(_root, "t", "pt", (long)seed);
        foreach (var (step, dev, loss, correct) in points)
        {
            var predictions = Enumerable.Range(0, 4).Select(i => i < correct ? "a" : "b").ToList();
            SelectionCurve.Append(folder, new SelectionCurve.Point(step, dev, loss, 25.0 * correct),
                new TestPredictions("t", [MetricKind.Accuracy], predictions, ["a", "a", "a", "a"], ["a", "b"]));
        }
    }

    [Fact]
    public void A_Record_Torn_By_A_Kill_Is_Cut_Off_By_The_Next_Append()
    {
        string folder = RunComparisons.TargetRunFolder(_root, "t", "pt", 1);
        Write(1, [(0, 50, 0.7, 2)]);
        File.AppendAllText(Path.Combine(folder, SelectionCurve.FileName), "{\"step\":10,\"dev_me"); // a killed writer's half line

        Write(1, [(10, 75, 0.5, 3)]);

        Assert.Equal([0L, 10L], SelectionCurve.Read(folder).Select(p => p.Step));
    }

    [Fact]
    public void Should_Keep_The_Step_Each_Rule_Names()
    {
        // Seed 1: step 0 ties the best dev metric (step 10) and has the lowest loss; the last step scores best on test.
        Write(1, [(0, 50, 0.5, 1), (10, 50, 0.6, 2), (20, 25, 0.7, 4)]);
        // Seed 2: training helps on every signal at step 10.
        Write(2, [(0, 25, 0.9, 0), (10, 75, 0.4, 3), (20, 50, 0.8, 2)]);
        var outcome = SelectionReplay.Replay(SelectionReplay.Load(_root), "dev_metric+0", new PairedBootstrap(500));
        var group = Assert.Single(outcome.Groups);
        var by = group.Outcomes.ToDictionary(o => o.Rule);

        // Kept steps: (seed 1, seed 2).
        Assert.Equal((0 + 10) / 2.0, by["dev_metric+0"].MeanStep); // the tie keeps step 0
        Assert.Equal((10 + 10) / 2.0, by["dev_metric"].MeanStep);
        Assert.Equal((0 + 10) / 2.0, by["dev_loss+0"].MeanStep);
        Assert.Equal((10 + 10) / 2.0, by["dev_loss"].MeanStep);
        Assert.Equal(20, by["last"].MeanStep);
        Assert.Equal(0, by["step0"].MeanStep);
        Assert.Equal((20 + 10) / 2.0, by["oracle"].MeanStep);
        Assert.Equal(1, by["dev_metric+0"].StepZeroPicks);
        Assert.Equal(0, by["dev_metric"].StepZeroPicks);
        Assert.Equal(2, by["step0"].StepZeroPicks);

        // Test scores of the kept steps and the paired difference (observed mean) to the reference.
        Assert.Equal((25 + 75) / 2.0, by["dev_metric+0"].MeanTest);
        Assert.Equal((50 + 75) / 2.0, by["dev_metric"].MeanTest);
        Assert.Null(by["dev_metric+0"].VersusReference);
        Assert.Equal(12.5, by["dev_metric"].VersusReference!.Mean, 9);
        Assert.Equal((100 + 50) / 2.0 - 50, by["last"].VersusReference!.Mean, 9);
        Assert.Equal(2, by["dev_metric"].Runs);
    }

    [Fact]
    public void Should_Read_The_Last_Record_Of_A_Step_Recorded_Twice_And_Name_A_Damaged_File()
    {
        Write(1, [(0, 50, 0.5, 1), (10, 50, 0.6, 2), (10, 75, 0.6, 3)]);
        string folder = RunComparisons.TargetRunFolder(_root, "t", "pt", 1);
        var curve = SelectionCurve.Read(folder);
        Assert.Equal([0L, 10L], curve.Select(p => p.Step));
        Assert.Equal(75, curve[1].DevMetric);

        File.AppendAllText(Path.Combine(folder, SelectionCurve.FileName), "not json\n");
        var e = Assert.Throws<InvalidDataException>(() => SelectionCurve.Read(folder));
        Assert.Contains(SelectionCurve.FileName, e.Message);
        Assert.Contains("line 4", e.Message);
    }

    [Fact]
    public void Should_Refuse_An_Unknown_Reference_Rule() =>
        Assert.Contains("dev_loss+0", Assert.Throws<ArgumentException>(() => SelectionReplay.Replay([], "best", new PairedBootstrap(10))).Message);
}
