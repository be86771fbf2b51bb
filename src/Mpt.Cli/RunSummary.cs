using System.Globalization;
using Mpt.Pipeline;
using Mpt.Quickstart;
using Mpt.Reports;

namespace Mpt.Cli;

/// <summary>
/// What <c>mpt run</c>, the stage verbs and <c>mpt quickstart</c> print when a run ends: the results table
/// (<see cref="ConsoleResultsTable"/>: one row per target, baselines then PT, SPoT, MPT, and the trainable-parameter row)
/// under a line saying what the cells are, the paired comparisons with their intervals (docs/statistics.md), the wall
/// clock per stage and where the run folder is. One formatter for
/// every verb, so a quickstart's table and a user's run read alike.
/// </summary>
public static class RunSummary
{
    /// <summary>Writes the summary of <paramref name="results"/>.</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="results">The run's results.json.</param>
    /// <param name="config">The config the run used (seeds, few-shot and checkpoint rule of the caption).</param>
    /// <param name="runDir">The run folder.</param>
    public static void Write(TextWriter output, RunResults results, PipelineConfig config, string runDir)
    {
        if (results.Targets is { Count: > 0 } targets)
        {
            output.WriteLine();
            output.WriteLine(Caption(config));
            output.Write(ConsoleResultsTable.Format(targets, comparisons: results.Comparisons));
            output.WriteLine();
        }
        if (results.Stages is { Count: > 0 } stages)
            output.WriteLine("Wall clock: " + string.Join(", ", stages.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value.WallClockS:F0} s"))));
        output.WriteLine($"Run folder: {runDir} ({PipelineRunner.ResultsFile}, {PipelineRunner.MetricsFile})");
    }

    /// <summary>How the scored checkpoint of each target run was chosen (<c>adapt.selection</c>, and whether step 0 competed).</summary>
    private static string CheckpointRule(AdaptConfig a) => a.EffectiveSelection switch
    {
        AdaptConfig.SelectionLast => "last checkpoint",
        AdaptConfig.SelectionDevLoss => a.SelectsStepZero ? "lowest dev loss checkpoint incl. step 0" : "lowest dev loss checkpoint",
        _ => a.SelectsStepZero ? "best dev checkpoint incl. step 0" : "best dev checkpoint",
    };

    /// <summary>The line above the table: test scores, mean ± std over the seeds, the few-shot size and the checkpoint rule.</summary>
    public static string Caption(PipelineConfig config)
    {
        var a = config.Adapt;
        var details = new List<string>();
        if (a.FewShot is int k) details.Add($"k = {k}{(a.FewShotPerClass ? " per class" : " examples")}");
        details.Add(CheckpointRule(a));
        return $"Results: test score, mean ± std over {a.Seeds.Count} seed(s) ({string.Join("; ", details)})";
    }
}
