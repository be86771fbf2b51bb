using Mpt.Evaluation;
using Mpt.Metrics;
using Mpt.Prompts;
using Mpt.Tasks;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Evaluation;

/// <summary>The evaluator on a tiny random T5 with the golden tokenizer: order, rank classification, invalid outputs.</summary>
public sealed class EvaluatorTests : IDisposable
{
    private readonly TinyEvaluationWorkspace _ws = new();
    private readonly TaskDefinition _rte = TaskCatalog.CreateDefault().Get("rte");

    public void Dispose() => _ws.Dispose();

    private IReadOnlyList<TextToTextRow> RteRows(int count) => TinyEvaluationWorkspace.RteRows(_rte, count);

    public static TheoryData<string> Models() => new() { "plain", "soft-prompt", "mpt-task-1" };

    private EvaluationModel Build(string kind) => kind switch
    {
        "plain" => EvaluationModel.Plain(_ws.Model),
        "soft-prompt" => EvaluationModel.WithPrompt(new PromptedT5(_ws.Model, _ws.RandomSoftPrompt())),
        "mpt-task-1" => EvaluationModel.WithPrompt(new PromptedT5(_ws.Model, _ws.RandomMultitaskPrompt(tasks: 2)), taskId: 1),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Return_Predictions_In_Row_Order_Whatever_The_Batching(string kind)
    {
        // Given: one example per batch in file order, and length-sorted batches of 4.
        EvaluationModel model = Build(kind);
        var sources = RteRows(10).Select(r => r.Source).ToList();
        var oneByOne = new Evaluator(model, _ws.Tokenizer, new EvaluationOptions { BatchSize = 1, SortByLength = false });
        var bucketed = new Evaluator(model, _ws.Tokenizer, new EvaluationOptions { BatchSize = 4, SortByLength = true });
        var plan = LengthBuckets.Plan(sources.Select(s => _ws.Tokenizer.Encode(s).Length).ToList(), 4);
        Assert.NotEqual(Enumerable.Range(0, 10), plan.SelectMany(b => b)); // the bucketing really reorders

        // When
        var expected = oneByOne.Generate(sources, maxNewTokens: 6);
        var actual = bucketed.Generate(sources, maxNewTokens: 6);
        double[,] expectedScores = oneByOne.RankScores(sources, ["0", "1"]);
        double[,] actualScores = bucketed.RankScores(sources, ["0", "1"]);

        // Then
        Assert.Equal(expected, actual);
        for (int i = 0; i < sources.Count; i++)
            for (int c = 0; c < 2; c++)
                Assert.Equal(expectedScores[i, c], actualScores[i, c], 1e-5);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Rank_Labels_Exactly_As_Full_Forward_Passes_Per_Candidate(string kind)
    {
        // Given: candidates of different token lengths, and a brute force that runs encoder + decoder per candidate.
        EvaluationModel model = Build(kind);
        var sources = RteRows(5).Select(r => r.Source).ToList();
        string[] labels = ["0", "1", "entailment", "not entailment"];
        var evaluator = new Evaluator(model, _ws.Tokenizer, new EvaluationOptions { BatchSize = 3 });

        // When
        double[,] scores = evaluator.RankScores(sources, labels);
        IReadOnlyList<string> ranked = evaluator.RankClassify(sources, labels);

        // Then
        for (int i = 0; i < sources.Count; i++)
        {
            var brute = labels.Select(l => BruteForceLogProbability(model, sources[i], l)).ToArray();
            for (int c = 0; c < labels.Length; c++) Assert.Equal(brute[c], scores[i, c], 1e-5);
            int argmax = Array.IndexOf(brute, brute.Max());
            Assert.Equal(labels[argmax], ranked[i]);
        }
    }

    /// <summary>log p(label | source): one full forward pass with teacher forcing, log-softmax in float64, summed by hand.</summary>
    private double BruteForceLogProbability(EvaluationModel model, string source, string label)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        int[] sourceIds = _ws.Tokenizer.Encode(source), labelIds = _ws.Tokenizer.Encode(label);
        var ids = torch.tensor(sourceIds.Select(i => (long)i).ToArray(), [1, sourceIds.Length], ScalarType.Int64);
        var mask = torch.ones(1, sourceIds.Length, ScalarType.Int64);
        var labelsTensor = torch.tensor(labelIds.Select(i => (long)i).ToArray(), [1, labelIds.Length], ScalarType.Int64);
        var logProbs = model.Forward(ids, mask, labelsTensor).Logits.to(ScalarType.Float64).log_softmax(-1);   // (1, T, V)
        double total = 0;
        for (int t = 0; t < labelIds.Length; t++) total += logProbs[0, t, labelIds[t]].item<double>();
        return total;
    }

    [Fact]
    public void Should_Count_Invalid_Generations_And_Still_Compute_The_Metrics()
    {
        // Given: a random model, which generates arbitrary strings.
        var rows = RteRows(12);
        var evaluator = new Evaluator(EvaluationModel.Plain(_ws.Model), _ws.Tokenizer, new EvaluationOptions { BatchSize = 5 });

        // When
        TaskEvaluationResult result = evaluator.Evaluate(_rte, rows);

        // Then
        int invalid = result.Predictions.Count(p => p is not ("0" or "1"));
        int correct = result.Predictions.Where((p, i) => p == rows[i].Target).Count();
        Assert.True(invalid > 0, $"expected invalid generations from a random model, got {string.Join("|", result.Predictions)}");
        Assert.Equal(12, result.Examples);
        Assert.Equal("generate", result.Decoding);
        Assert.Equal(100.0 * invalid / 12, result.InvalidRate!.Value, 1e-12);
        Assert.Equal(result.InvalidRate.Value, result.Metrics[MetricNames.InvalidRate]);
        Assert.Equal(100.0 * correct / 12, result.Metrics[MetricNames.Accuracy], 1e-12);
        Assert.Equal(result.Metrics[MetricNames.Accuracy], result.Average);
        Assert.Equal(rows.Select(r => r.Target), result.Targets);
    }

    [Fact]
    public void Should_Make_Only_Valid_Predictions_With_Rank_Classification()
    {
        // Given
        var rows = RteRows(6);
        var evaluator = new Evaluator(EvaluationModel.Plain(_ws.Model), _ws.Tokenizer, new EvaluationOptions { RankClassification = true });

        // When
        TaskEvaluationResult result = evaluator.Evaluate(_rte, rows);

        // Then
        Assert.Equal("rank", result.Decoding);
        Assert.Equal(0.0, result.InvalidRate);
        Assert.All(result.Predictions, p => Assert.Contains(p, _rte.Labels!));
    }

    [Fact]
    public void Should_Average_Over_Tasks_And_Write_Every_Metric_To_Json()
    {
        // Given
        var catalog = TaskCatalog.CreateDefault();
        TaskDefinition mrpc = catalog.Get("mrpc");
        var mrpcRows = mrpc.Format(new Dictionary<string, object?> { ["sentence1"] = "A b.", ["sentence2"] = "A c.", ["label"] = 1L, ["idx"] = 0L })
            .Concat(mrpc.Format(new Dictionary<string, object?> { ["sentence1"] = "X.", ["sentence2"] = "Y z.", ["label"] = 0L, ["idx"] = 1L })).ToList();
        var evaluator = new Evaluator(EvaluationModel.Plain(_ws.Model), _ws.Tokenizer);

        // When
        EvaluationReport report = evaluator.EvaluateAll([(_rte, RteRows(4)), (mrpc, mrpcRows)]);
        string path = _ws.PathOf("out/results.json");
        report.WriteJson(path);

        // Then
        TaskEvaluationResult m = report.Tasks[1];
        Assert.Equal((m.Metrics[MetricNames.F1Binary] + m.Metrics[MetricNames.Accuracy]) / 2, m.Average, 1e-12);
        Assert.Equal((report.Tasks[0].Average + m.Average) / 2, report.Average, 1e-12);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        var tasks = doc.RootElement.GetProperty("tasks");
        Assert.Equal(report.Average, doc.RootElement.GetProperty("average_metrics").GetDouble(), 1e-12);
        Assert.Equal(2, tasks.GetProperty("mrpc").GetProperty("n_examples").GetInt32());
        foreach (string key in m.Metrics.Keys)
            Assert.Equal(m.Metrics[key], tasks.GetProperty("mrpc").GetProperty("metrics").GetProperty(key).GetDouble(), 1e-12);
    }

    [Fact]
    public void Should_Generate_Longest_Label_Plus_Margin_And_Score_Decoded_Targets_Like_Attempt()
    {
        // Given: a free-text row whose target is longer than the max target length.
        TaskDefinition squad = TaskCatalog.CreateDefault().Get("squad");
        var row = new TextToTextRow("squad question: who? context: the lazy dog", "the lazy dog jumps over it", "squad",
            new Dictionary<string, object?>());
        var options = new EvaluationOptions { FreeTextMaxNewTokens = 3, LabelMargin = 1 };
        var decoded = new Evaluator(EvaluationModel.Plain(_ws.Model), _ws.Tokenizer, options);
        var raw = new Evaluator(EvaluationModel.Plain(_ws.Model), _ws.Tokenizer, options with { ScoreDecodedTargets = false });
        int[] targetIds = _ws.Tokenizer.Encode(row.Target);

        // When
        TaskEvaluationResult withRoundTrip = decoded.Evaluate(squad, [row]);
        TaskEvaluationResult withRawTarget = raw.Evaluate(squad, [row]);

        // Then: ATTEMPT scores decode(tokenise(target, max_length)) — 2 tokens + eos here; the raw option keeps the text.
        Assert.Equal(_ws.Tokenizer.Decode(targetIds.Take(2), skipSpecialTokens: true).Trim(), withRoundTrip.Targets[0]);
        Assert.Equal(row.Target, withRawTarget.Targets[0]);
        Assert.Null(withRoundTrip.InvalidRate);
        Assert.Equal(3, decoded.MaxNewTokens(squad, T5FeatureConverter.ForTask(squad, _ws.Tokenizer, freeTextMaxTargetLength: 3)));
        Assert.Equal(_rte.Labels!.Max(l => _ws.Tokenizer.Encode(l).Length) + 1, decoded.MaxNewTokens(_rte, T5FeatureConverter.ForTask(_rte, _ws.Tokenizer)));
    }

    [Fact]
    public void Should_Write_An_Undefined_Metric_As_NaN()
    {
        var result = new TaskEvaluationResult("t", 1, new Dictionary<string, double> { ["pearson"] = double.NaN }, null, double.NaN,
            "generate", ["x"], ["y"]);
        string json = new EvaluationReport([result]).ToJson();
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal("NaN", doc.RootElement.GetProperty("average_metrics").GetString());
    }

    [Fact]
    public void Should_Refuse_Rank_Classification_For_Free_Text_Tasks_And_Unknown_Task_Ids()
    {
        TaskDefinition squad = TaskCatalog.CreateDefault().Get("squad");
        var row = new TextToTextRow("squad question: q context: c", "c", "squad", new Dictionary<string, object?>());
        var evaluator = new Evaluator(EvaluationModel.Plain(_ws.Model), _ws.Tokenizer, new EvaluationOptions { RankClassification = true });
        Assert.Contains("no label list", Assert.Throws<ArgumentException>(() => evaluator.Evaluate(squad, [row])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            EvaluationModel.WithPrompt(new PromptedT5(_ws.Model, _ws.RandomMultitaskPrompt(tasks: 2)), taskId: 2));
    }
}
