using System.Text.Json;
using Mpt.Benchmarks;
using Mpt.Model;
using Mpt.Tests.Cli;
using Xunit;

namespace Mpt.Tests.Benchmarks;

/// <summary>
/// The GEMM count of a training step against a case counted by hand, and the rate fields <c>mpt bench train-step</c> and
/// <c>mpt bench gemm</c> print (presence and consistency only: timings are never compared with numbers).
/// </summary>
public sealed class StepFlopsTests
{
    private static T5Config Shape(int decoderLayers = 1, string feedForward = "relu") => new()
    {
        VocabSize = 7, DModel = 4, DFf = 5, DKv = 3, NumHeads = 2, NumLayers = 1, NumDecoderLayers = decoderLayers,
        FeedForwardProj = feedForward, IsGatedAct = feedForward.StartsWith("gated", StringComparison.Ordinal),
    };

    [Fact]
    public void Should_Count_A_One_Layer_Step_As_Counted_By_Hand()
    {
        // B = 1, N = 2 encoder positions, T = 1 label position; d 4, 2 heads of 3 (inner 6), d_ff 5, vocab 7.
        // Encoder: projections 4·2·2·4·6 = 384, scores 2·2·2·(2·2)·3 = 96, FFN 2·2·2·4·5 = 160            → 640
        // Decoder: self projections 4·2·1·4·6 = 192, self scores 2·2·2·1·3 = 24,
        //          cross Q,O 2·2·1·4·6 = 96 + K,V over the encoder 2·2·2·4·6 = 192, cross scores 2·2·2·1·2·3 = 48,
        //          FFN 2·2·1·4·5 = 80                                                                     → 632
        // LM head 2·1·4·7 = 56. Forward 1328.
        // Backward: encoder 384 + 2·96 + 160 = 736; decoder cross 288 + 2·48 + FFN 80 = 464 (the first decoder layer's
        // self-attention reads only label embeddings: no gradient); LM head 56. Backward 1256.
        var flops = T5StepFlops.TrainStep(Shape(), batch: 1, encoderLength: 2, targetLength: 1);

        Assert.Equal(1328, flops.Forward);
        Assert.Equal(1256, flops.BackwardToPrompt);
        Assert.Equal(2584, flops.Total);
    }

    [Fact]
    public void Should_Count_The_Second_Decoder_Layers_Self_Attention_In_The_Backward_And_A_Gated_Third_Matrix()
    {
        var one = T5StepFlops.TrainStep(Shape(), 1, 2, 1);
        var two = T5StepFlops.TrainStep(Shape(decoderLayers: 2), 1, 2, 1);
        var gated = T5StepFlops.TrainStep(Shape(feedForward: "gated-gelu"), 1, 2, 1);

        // A second decoder layer adds 632 forward, and 464 + 192 + 2·24 = 704 backward.
        Assert.Equal(one.Forward + 632, two.Forward);
        Assert.Equal(one.BackwardToPrompt + 704, two.BackwardToPrompt);
        // The gate adds one d × d_ff matrix per FFN: encoder 80, decoder 40, in both directions.
        Assert.Equal(one.Forward + 120, gated.Forward);
        Assert.Equal(one.BackwardToPrompt + 120, gated.BackwardToPrompt);
    }

    [Fact]
    public void Should_Print_The_Step_Rate_And_Its_Fraction_Of_The_Gemm_Rate()
    {
        var json = TinyBench.RunJson(TinyBench.Args(TrainStepBenchmark.Name));

        var config = BenchmarkShapes.Get(BenchmarkShapes.Tiny);
        double expected = T5StepFlops.TrainStep(config, batch: 2, encoderLength: 10, targetLength: 3).Total / 1e9;
        // Printed to four significant digits.
        Assert.Equal(expected, json.GetProperty("gflop_per_step").GetDouble(), expected * 1e-3);
        double rate = json.GetProperty("gflop_per_s").GetDouble(), gemm = json.GetProperty("gemm_gflop_per_s").GetDouble();
        Assert.True(rate > 0 && gemm > 0, $"{rate} {gemm}");
        double fraction = json.GetProperty("fraction_of_gemm_peak").GetDouble();
        Assert.Equal(rate / gemm, fraction, fraction * 2e-3);
        // The GEMM rate is the median of the probe's rounds: inside their quartiles, inside their range.
        var iqr = json.GetProperty("gemm_gflop_per_s_iqr").EnumerateArray().Select(e => e.GetDouble()).ToList();
        var range = json.GetProperty("gemm_gflop_per_s_range").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.True(range[0] <= iqr[0] && iqr[0] <= gemm && gemm <= iqr[1] && iqr[1] <= range[1], $"{string.Join(" ", range)} {string.Join(" ", iqr)} {gemm}");
        Assert.False(json.TryGetProperty("gemm_fp32_gflop_per_s", out _)); // a float32 step's GEMM rate is already fp32's
    }

    [Fact]
    public void A_Bfloat16_Step_Should_Also_Carry_Its_Fraction_Of_The_Float32_Gemm_Rate()
    {
        var json = TinyBench.RunJson(TinyBench.Args(TrainStepBenchmark.Name, "--bf16"));

        Assert.Equal("bfloat16", json.GetProperty("dtype").GetString());
        double rate = json.GetProperty("gflop_per_s").GetDouble(), fp32 = json.GetProperty("gemm_fp32_gflop_per_s").GetDouble();
        Assert.True(fp32 > 0);
        double fraction = json.GetProperty("fraction_of_fp32_gemm_peak").GetDouble();
        Assert.Equal(rate / fp32, fraction, fraction * 2e-3);
        Assert.True(json.GetProperty("gemm_gflop_per_s").GetDouble() > 0); // the bfloat16 GEMM rate
    }

    [Fact]
    public void Should_Print_One_Gemm_Line_Per_Dtype()
    {
        var result = CliRunner.Run("bench", "gemm", "--shape", BenchmarkShapes.Tiny, "--batch", "2", "--seq", "6", "--prompt", "4", "--threads", "1", "--repeats", "2");

        Assert.True(result.ExitCode == 0, result.Error);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["float32", "bfloat16"], lines.Select(l => l.GetProperty("dtype").GetString()));
        // The encoder FFN's first matrix: (B·(prompt + seq)) × d_model × d_ff of the tiny shape.
        Assert.All(lines, l => Assert.Equal((20L, 32L, 64L), (l.GetProperty("m").GetInt64(), l.GetProperty("k").GetInt64(), l.GetProperty("n").GetInt64())));
        Assert.All(lines, l => Assert.True(l.GetProperty("gflop_per_s").GetDouble() > 0));
        Assert.All(lines, l => Assert.Equal(2, l.GetProperty("rounds").GetInt32()));
        Assert.All(lines, l => Assert.Equal(2, l.GetProperty("gflop_per_s_iqr").GetArrayLength()));
        Assert.All(lines, l => Assert.True(l.GetProperty("gflop_per_s_min").GetDouble() <= l.GetProperty("gflop_per_s_max").GetDouble()));
    }

    [Fact]
    public void With_Auto_The_Gemm_Bench_Should_Add_The_Decision_Of_The_Rule_On_Its_Two_Rates()
    {
        var result = CliRunner.Run("bench", "gemm", "--shape", BenchmarkShapes.Tiny, "--batch", "2", "--seq", "6", "--prompt", "4", "--threads", "1", "--repeats", "2", "--auto");

        Assert.True(result.ExitCode == 0, result.Error);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, lines.Count);
        double fp32 = lines[0].GetProperty("gflop_per_s").GetDouble(), bf16 = lines[1].GetProperty("gflop_per_s").GetDouble();
        Assert.Equal(Mpt.Numerics.AutoDtype.Rule(fp32, bf16).Dtype, lines[2].GetProperty("auto_dtype").GetString());
        Assert.Equal(bf16 / fp32, lines[2].GetProperty("bf16_over_fp32").GetDouble(), 2e-3 * bf16 / fp32 + 1e-3);
    }
}
