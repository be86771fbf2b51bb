using System.Text.Json;
using Mpt.Backbones;
using Mpt.Evaluation;
using Mpt.Metrics;
using Mpt.Pipeline;
using Mpt.Reports;
using Mpt.Tests.Encoder;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>
/// The paired comparisons end to end on a miniature encoder run (two seeds, four test rows): every target run stores its
/// per-example test outcomes, results.json gets the differences with their intervals, the printed lines and the report
/// show them, and a finished folder recomputes them — or says why it cannot — without failing.
/// </summary>
[Collection(MiniLMCollection.Name)]
public sealed class PairedComparisonPipelineTests(MiniLMFixture fixture)
{
    private const int Resamples = 500;

    private PipelineOutcome Run(UserTaskFolder data, string runDir)
    {
        string loop = """{"max_steps": 2, "batch_size": 4, "max_source_length": 24, "warmup_steps": 1, "eval_every_steps": 1}""";
        var config = ConfigJson.Parse($$"""
        {
          "model": {"path": "minilm"},
          "task_file": {{JsonSerializer.Serialize(data.TaskFile)}},
          "add_prefix": false,
          "sources": [{"task": "{{UserTaskFolder.Polarity}}", "data": {{JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Polarity))}}},
                      {"task": "{{UserTaskFolder.Topic}}", "data": {{JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Topic))}}}],
          "targets": [{"task": "{{UserTaskFolder.Reviews}}", "data": {{JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Reviews))}}}],
          "teachers": {"prompt_length": 4, "loop": {{loop}} },
          "distill": {"prompt_length": 4, "loop": {{loop}} },
          "adapt": {"methods": ["mpt", "pt", "spot", "majority"], "prompt_length": 4, "few_shot": 2, "few_shot_per_class": true,
                    "seeds": [1, 2], "loop": {{loop}} }
        }
        """);
        var backbone = new EncoderRunBackbone(RunBackbones.MiniLMName, fixture.Model, fixture.Tokenizer, ownsModel: false);
        using var runner = new PipelineRunner(config, runDir, new PipelineRunOptions
        {
            Backbone = backbone, Reporter = new NoReport(), BootstrapResamples = Resamples,
        });
        return runner.Run(PipelineStages.All);
    }

    [Fact]
    public void Should_Record_Per_Example_Outcomes_And_Paired_Intervals_And_Recompute_Them_From_The_Folder()
    {
        using var data = new UserTaskFolder();
        string run = Path.Combine(data.Root, "run");
        var results = Run(data, run).Results;
        var targets = results.Targets![UserTaskFolder.Reviews];

        // Per-example outcomes of every seed (and of the baseline's one run) rescore to the recorded seed scores.
        foreach (var (method, result) in targets)
            foreach (var seed in result.Seeds)
            {
                string file = Path.Combine(RunComparisons.TargetRunFolder(run, UserTaskFolder.Reviews, method, seed.Seed), TestPredictionsFile.FileName);
                var outcomes = TestPredictionsFile.Read(file)[UserTaskFolder.Reviews];
                Assert.Equal(4, outcomes.Count);
                Assert.Equal(seed.Score, outcomes.Score(), 12);
            }
        Assert.True(File.Exists(Path.Combine(run, PipelineRunner.AdaptDir, UserTaskFolder.Reviews, "majority", "seed-0", TestPredictionsFile.FileName)));

        // Every pair, later method minus earlier (baselines first), trained pairs first; the difference is that of the means.
        var comparisons = results.Comparisons![UserTaskFolder.Reviews];
        Assert.Equal(["mpt-pt", "mpt-spot", "spot-pt", "mpt-majority", "spot-majority", "pt-majority"], comparisons.Keys);
        foreach (var c in comparisons.Values)
        {
            Assert.Equal(targets[c.A].Mean - targets[c.B].Mean, c.Mean, 9);
            Assert.True(c.Low <= c.High);
            Assert.Equal((Resamples, 2, 4, 0.95), (c.Resamples, c.Seeds, c.Examples, c.Confidence));
            Assert.Equal(c.Low > 0 || c.High < 0, c.Distinguishable);
        }
        var written = RunResults.Read(Path.Combine(run, PipelineRunner.ResultsFile));
        Assert.Equal(comparisons.Values, written.Comparisons![UserTaskFolder.Reviews].Values);
        Assert.Equal(targets["mpt"].Mean, written.Targets![UserTaskFolder.Reviews]["mpt"].Mean); // the schema of targets is unchanged

        // Printed: a heading and one line per comparison of trained methods.
        var lines = ComparisonLines.Format(results.Comparisons).TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("paired differences (95 % bootstrap interval over seeds and test examples, 500 resamples", lines[0]);
        Assert.Matches(@"^my-task  MPT − PT    [+−]\d+\.\d \[[+−]\d+\.\d, [+−]\d+\.\d\]  (not )?distinguishable from 0", lines[1]);

        // The report tabulates them with a sentence on what is distinguishable.
        string report = File.ReadAllText(RunReport.Write(run).Markdown);
        Assert.Contains("## Paired comparisons", report);
        Assert.Contains("| my-task | MPT − PT |", report);
        Assert.True(report.Contains("None of these differences is distinguishable from 0") || report.Contains("Distinguishable from 0: "));

        // Recomputed from the stored files: the same intervals (seeded).
        var again = RunComparisons.Refresh(run, new PairedBootstrap(Resamples))!;
        Assert.Empty(again.Notes);
        Assert.Equal(comparisons.Values, again.Comparisons[UserTaskFolder.Reviews].Values);

        // A run without its per-example file loses its comparisons, with a note naming method and file.
        string deleted = Path.Combine(RunComparisons.TargetRunFolder(run, UserTaskFolder.Reviews, "pt", 2), TestPredictionsFile.FileName);
        File.Delete(deleted);
        var partial = RunComparisons.Refresh(run, new PairedBootstrap(Resamples))!;
        Assert.Equal(["mpt-spot", "mpt-majority", "spot-majority"], partial.Comparisons[UserTaskFolder.Reviews].Keys);
        Assert.Contains(partial.Notes, n => n.Contains($"PT has no per-example test predictions ({deleted} not found"));

        // An old folder (no per-example files at all): notes, no comparisons, results.json left as it was.
        foreach (string file in Directory.EnumerateFiles(run, TestPredictionsFile.FileName, SearchOption.AllDirectories)) File.Delete(file);
        string before = File.ReadAllText(Path.Combine(run, PipelineRunner.ResultsFile));
        var old = RunComparisons.Refresh(run, new PairedBootstrap(Resamples))!;
        Assert.Empty(old.Comparisons);
        Assert.Equal(4, old.Notes.Count);
        Assert.Equal(before, File.ReadAllText(Path.Combine(run, PipelineRunner.ResultsFile)));
    }

    private sealed class NoReport : IRunReporter
    {
        public string? Write(string runDir) => null;
    }
}
