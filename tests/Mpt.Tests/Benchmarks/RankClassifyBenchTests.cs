using System.Text.Json;
using Mpt.Benchmarks;
using Mpt.Evaluation;
using Mpt.Model;
using Mpt.Prompts;
using Mpt.Tests.Cli;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Benchmarks;

/// <summary><c>mpt bench rank-classify</c>: the reused encoder output gives the straightforward path's scores, and the
/// JSON line names the setting.</summary>
public sealed class RankClassifyBenchTests
{
    private static readonly BenchmarkSettings Tiny = new()
    {
        Shape = BenchmarkShapes.Tiny, Batch = 3, Seq = 7, Target = 3, Prompt = 4, Candidates = 4, Threads = 1, Steps = 1, Warmup = 0,
    };

    [Fact]
    public void Reusing_The_Encoder_Output_Should_Give_The_Same_Scores_As_Re_Encoding_Per_Candidate()
    {
        // Given: a prompted tiny T5 in eval mode and 4 candidates of 3 tokens
        torch.manual_seed(5);
        using var backbone = new T5ForConditionalGeneration(BenchmarkShapes.Get(Tiny.Shape));
        using var rows = torch.randn(Tiny.Prompt, backbone.Config.DModel);
        using var prompt = new SoftPrompt(rows);
        var model = EvaluationModel.WithPrompt(new PromptedT5(backbone, prompt));
        model.Eval();
        using var ids = torch.randint(2, backbone.Config.VocabSize, [Tiny.Batch, Tiny.Seq], ScalarType.Int64);
        using var mask = torch.ones(Tiny.Batch, Tiny.Seq, ScalarType.Int64);
        var candidates = RankClassifyBenchmark.Candidates(Tiny);
        Assert.Equal(4, candidates.Count);
        Assert.All(candidates, c => Assert.Equal(1L, c[^1]));

        // When
        double[,] reused = RankClassifier.Score(model, ids, mask, candidates);
        double[,] reEncoded = RankClassifyBenchmark.ScoreReEncoding(model, ids, mask, candidates);

        // Then: identical, finite, and not all the same (the candidates are told apart)
        Assert.Equal(reEncoded, reused);
        Assert.All(reused.Cast<double>(), s => Assert.True(double.IsFinite(s) && s < 0));
        Assert.True(reused.Cast<double>().Distinct().Count() > 1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Json_Should_Name_The_Candidates_And_The_Path(bool reEncode)
    {
        string[] args = ["bench", "rank-classify", "--shape", BenchmarkShapes.Tiny, "--batch", "2", "--seq", "5", "--target", "2",
            "--prompt", "3", "--candidates", "5", "--steps", "1", "--warmup", "0", "--threads", "1", .. (reEncode ? new[] { "--re-encode" } : [])];
        var result = CliRunner.Run(args);
        Assert.True(result.ExitCode == 0, result.Error);
        var json = JsonDocument.Parse(result.Output.Trim()).RootElement;
        Assert.Equal("rank-classify", json.GetProperty("bench").GetString());
        Assert.Equal(5, json.GetProperty("candidates").GetInt32());
        Assert.Equal(!reEncode, json.GetProperty("reuse_encoder_output").GetBoolean());
        Assert.False(json.GetProperty("dropout").GetBoolean());
        Assert.True(json.GetProperty("loss_first").GetDouble() < 0); // a log-probability
    }

    [Fact]
    public void Should_Reject_Zero_Candidates_And_Training_Flags()
    {
        var zero = CliRunner.Run("bench", "rank-classify", "--shape", BenchmarkShapes.Tiny, "--candidates", "0");
        Assert.Equal(Mpt.Cli.MptCli.Failed, zero.ExitCode);
        Assert.Contains("--candidates must be at least 1", zero.Error);
        var dropout = CliRunner.Run("bench", "rank-classify", "--shape", BenchmarkShapes.Tiny, "--no-dropout");
        Assert.Equal(Mpt.Cli.MptCli.Usage, dropout.ExitCode);
    }
}
