using System.Text.Json.Nodes;
using Mpt.Cli;
using Mpt.Evaluation;
using Mpt.Metrics;
using Mpt.Model;
using Mpt.Pipeline;
using Mpt.Reports;
using Mpt.Tasks;
using Mpt.Tests.Cli;
using Mpt.Tests.Tokenization;
using Mpt.Tokenization;
using Xunit;

namespace Mpt.Tests.Evaluation;

/// <summary>
/// A model may have more embedding rows than its tokenizer has ids (t5-base: 32,128 vs 32,100), so greedy generation
/// can emit an id the tokenizer cannot decode. Such a generation is an invalid prediction: it counts as wrong and in
/// invalid_rate, and evaluation (and the run around it) carries on.
/// </summary>
public sealed class UnknownGeneratedIdTests : IDisposable
{
    private readonly VocabularyMismatchFolder _folder = new(extraRows: 28, generateUnknownIds: true);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_Generated_Id_The_Tokenizer_Does_Not_Know_Should_Be_An_Invalid_Prediction()
    {
        // Given: a model whose LM head only scores two ids past the tokenizer
        var tokenizer = T5Tokenizer.FromFolder(_folder.ModelDir);
        using var model = T5ForConditionalGeneration.FromPretrained(_folder.ModelDir);
        TaskDefinition rte = TaskCatalog.CreateDefault().Get("rte");
        var rows = TinyEvaluationWorkspace.RteRows(rte, 5);
        Assert.False(tokenizer.IsKnownId(_folder.TokenizerIds));
        Assert.True(tokenizer.IsKnownId(_folder.TokenizerIds - 1));

        // When
        var result = new Evaluator(EvaluationModel.Plain(model), tokenizer, new EvaluationOptions { BatchSize = 2 }).Evaluate(rte, rows);

        // Then
        Assert.All(result.Predictions, p => Assert.Equal(Evaluator.InvalidPrediction, p));
        Assert.Equal(100.0, result.InvalidRate);
        Assert.Equal(100.0, result.Metrics[MetricNames.InvalidRate]);
        Assert.Equal(0.0, result.Metrics[MetricNames.Accuracy]);
    }

    [Fact]
    public void A_Run_Should_Finish_And_Count_Such_Predictions_As_Wrong()
    {
        using var ws = new PipelineWorkspace();
        string runDir = ws.PathOf("run");
        var r = CliRunner.Run("run", "--config", ws.WriteConfig(), "--model", _folder.ModelDir, "--run-dir", runDir, "--quiet");
        Assert.True(r.ExitCode == MptCli.Ok, r.Error);
        var rte = RunResults.Read(Path.Combine(runDir, PipelineRunner.ResultsFile)).Targets!["rte"]["mpt"];
        Assert.Equal(0.0, rte.Mean);
        var test = JsonNode.Parse(File.ReadAllText(Path.Combine(runDir, "adapt", "rte", "mpt", "seed-42", PipelineRunner.TestResultsFile)))!;
        Assert.Equal(100.0, test["tasks"]!["rte"]!["invalid_rate"]!.GetValue<double>());
    }
}
