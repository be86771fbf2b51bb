using Mpt.Backbones;
using Mpt.Evaluation;
using Mpt.Pipeline;
using Mpt.Prompts;
using Mpt.Runs;
using Mpt.Tasks;
using Mpt.Tests.Cli;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>
/// The untrained baselines and SPoT's source rule on a tiny T5 (the same runner as the encoder): the default takes the teacher that scores best on
/// the target's dev set before training; first_source and a named source take that teacher. With a learning rate too
/// small to move the prompt and step 0 selectable, the finished SPoT prompt is exactly the teacher it started from.
/// </summary>
public sealed class SpotRuleTests : IDisposable
{
    private readonly PipelineWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private PipelineConfig Config(string rule) => ConfigJson.Parse(_ws.ConfigJson(
        $$""", "methods": ["spot"], "shared_learning_rate": 1e-12, "select_step_zero": true, "seeds": [42]{{rule}}"""));

    private static SoftPrompt Prompt(string file) => (SoftPrompt)PromptFile.Load(file);

    private string SpotStartedFrom(string runDir)
    {
        using var spot = Prompt(Path.Combine(runDir, PipelineRunner.AdaptDir, "rte", "spot", "seed-42", RunFolder.PromptFile));
        var matches = new List<string>();
        foreach (string teacher in new[] { "mrpc", "cola" })
        {
            using var t = Prompt(Path.Combine(_ws.PathOf("teachers-run"), PipelineRunner.TeachersDir, teacher, RunFolder.PromptFile));
            if (t.Prompt.allclose(spot.Prompt, rtol: 0, atol: 0)) matches.Add(teacher);
        }
        return Assert.Single(matches);
    }

    [Fact]
    public void Should_Start_Spot_From_The_Teacher_The_Rule_Picks()
    {
        string teachers = _ws.PathOf("teachers-run");
        using (var runner = new PipelineRunner(Config(""), teachers)) runner.Run(PipelineStages.Teachers);

        var runs = new Dictionary<string, string>
        {
            ["best"] = "",
            ["first"] = """, "spot_rule": "first_source" """,
            ["named"] = """, "spot_source": "cola" """,
        };
        foreach (var (name, rule) in runs)
        {
            var config = Config(rule) with { Distill = Config(rule).Distill with { TeachersFrom = teachers } };
            using var runner = new PipelineRunner(config, _ws.PathOf(name));
            runner.Run(PipelineStages.Adapt);
        }

        Assert.Equal("mrpc", SpotStartedFrom(_ws.PathOf("first")));
        Assert.Equal("cola", SpotStartedFrom(_ws.PathOf("named")));
        Assert.Equal(BestTeacherOnRteDev(Config(""), teachers), SpotStartedFrom(_ws.PathOf("best")));
    }

    [Fact]
    public void Should_Score_The_Untrained_Baselines_On_T5_Without_Any_Teacher()
    {
        var config = ConfigJson.Parse(_ws.ConfigJson(""", "methods": ["majority", "no-prompt"]""")) with { Sources = [] };
        string run = _ws.PathOf("baselines");
        PipelineOutcome outcome;
        using (var runner = new PipelineRunner(config, run)) outcome = runner.Run(PipelineStages.Adapt);

        var rte = outcome.Results.Targets!["rte"];
        Assert.Equal(["majority", "no-prompt"], rte.Keys.Order());
        Assert.All(rte.Values, r => Assert.Equal([0L], r.Seeds.Select(s => s.Seed)));
        Assert.All(rte.Values, r => Assert.Equal(0, r.TrainableParams));
        Assert.False(Directory.Exists(Path.Combine(run, PipelineRunner.TeachersDir)));
        // The bare T5 is scored by generation (its invalid outputs are counted); majority always answers a label.
        Assert.Contains("invalid_rate", rte["no-prompt"].Metrics!.Keys);
        Assert.Equal(0.0, rte["majority"].Metrics!["invalid_rate"].Mean, 9);
    }

    /// <summary>The dev scores computed here, independently of the runner: the best teacher, ties to the earlier source.</summary>
    private static string BestTeacherOnRteDev(PipelineConfig config, string teachersRun)
    {
        var catalog = TaskCatalog.CreateDefault();
        var rte = catalog.Get("rte");
        var dev = TaskDataLoader.Rows(rte, config.Targets[0], DataSplit.Validation, FormatOptions.Default with { AddPrefix = config.AddPrefix });
        using var backbone = RunBackbones.Load(config.Model, config.Evaluate);
        using var set = backbone.ForTasks([rte]);
        string best = "";
        double bestScore = double.NegativeInfinity;
        foreach (string teacher in new[] { "mrpc", "cola" })
        {
            using var prompt = Prompt(Path.Combine(teachersRun, PipelineRunner.TeachersDir, teacher, RunFolder.PromptFile));
            double score = set.Evaluate(set.PromptBackbone.WithPrompt(prompt), 0, dev, config.Adapt.Loop.MaxSourceLength).Average;
            if (score > bestScore) (best, bestScore) = (teacher, score);
        }
        return best;
    }
}
