using System.Text.Json;
using Mpt.Evaluation;
using Mpt.Reports;

namespace Mpt.Pipeline;

/// <summary>
/// ANALYSIS ONLY (<c>adapt.record_test_curve</c>): what a target run looked like at each of its dev evaluations, step 0
/// included — the dev metric, the dev loss and the test score — as <c>selection_curve.jsonl</c> in the run folder, one
/// line per evaluation, with the per-example test outcomes of each in <c>selection_curve/step-N.json</c> (the
/// <see cref="TestPredictionsFile"/> layout). From it every checkpoint-selection rule can be replayed offline
/// (<c>mpt report --selection</c>). Test scores are recorded, never used to select.
/// </summary>
public static class SelectionCurve
{
    /// <summary>The per-evaluation records inside a target run folder.</summary>
    public const string FileName = "selection_curve.jsonl";

    /// <summary>The folder of the per-example test outcomes of every evaluation.</summary>
    public const string PredictionsDir = "selection_curve";

    /// <summary>One dev evaluation of a target run.</summary>
    /// <param name="Step">Optimizer updates done (0 = the initial prompt).</param>
    /// <param name="DevMetric">Dev score (average metric, %, higher is better) — what <c>dev_metric</c> selects on.</param>
    /// <param name="DevLoss">Mean task loss on the dev rows — what <c>dev_loss</c> selects on (lower is better).</param>
    /// <param name="Test">Test score (average metric, %) of the prompt at this step.</param>
    public sealed record Point(long Step, double DevMetric, double DevLoss, double Test);

    /// <summary>The outcomes file of the evaluation at <paramref name="step"/> in <paramref name="runFolder"/>.</summary>
    public static string PredictionsFile(string runFolder, long step) => Path.Combine(runFolder, PredictionsDir, $"step-{step}.json");

    /// <summary>Records one evaluation: its outcomes first, then the line that says it is complete.</summary>
    public static void Append(string runFolder, Point point, TestPredictions predictions)
    {
        string outcomes = PredictionsFile(runFolder, point.Step);
        Directory.CreateDirectory(Path.GetDirectoryName(outcomes)!);
        TestPredictionsFile.Write(outcomes, [predictions]);
        // The metrics log's crash rule: a line torn by a kill is cut off before the next append.
        Serialization.JsonLinesAppend.Append(Path.Combine(runFolder, FileName), [JsonSerializer.Serialize(point, ReportJson.Compact)], IsRecord);
    }

    private static bool IsRecord(string line)
    {
        try { return JsonSerializer.Deserialize<Point>(line, ReportJson.Compact) is not null; }
        catch (JsonException) { return false; }
    }

    /// <summary>
    /// The evaluations recorded in <paramref name="runFolder"/> by step (a resumed run may have recorded a step twice:
    /// the last record wins); empty when the run recorded none.
    /// </summary>
    /// <exception cref="InvalidDataException">A line is not a record (file and line named).</exception>
    public static IReadOnlyList<Point> Read(string runFolder)
    {
        string file = Path.Combine(runFolder, FileName);
        if (!File.Exists(file)) return [];
        var byStep = new SortedDictionary<long, Point>();
        int number = 0;
        foreach (string line in File.ReadLines(file))
        {
            number++;
            if (line.Length == 0) continue;
            Point? point;
            try { point = JsonSerializer.Deserialize<Point>(line, ReportJson.Compact); }
            catch (JsonException e) { throw new InvalidDataException($"{file}, line {number}: not a selection-curve record ({e.Message}).", e); }
            if (point is null) throw new InvalidDataException($"{file}, line {number}: JSON null, expected a record.");
            byStep[point.Step] = point;
        }
        return byStep.Values.ToList();
    }
}
