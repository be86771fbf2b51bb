using System.Text.Json;
using Mpt.Benchmarks;
using Mpt.Tests.Cli;
using Xunit;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Tests.Benchmarks;

/// <summary>
/// Runs every <c>mpt bench</c> sub-command in-process on the tiny shape and checks the JSON it prints. Timings are never
/// compared with numbers (they depend on the machine and its load); only their presence, sign and order.
/// </summary>
public sealed class BenchCommandTests
{
    public static TheoryData<string> Benches => [TrainStepBenchmark.Name, DistillStepBenchmark.Name, GenerateBenchmark.Name, RankClassifyBenchmark.Name];

    [Theory]
    [MemberData(nameof(Benches))]
    public void Should_Print_One_Json_Line_With_Positive_Measurements(string bench)
    {
        // Given / When
        var json = TinyBench.RunJson(TinyBench.Args(bench));

        // Then: the run is described as asked
        Assert.Equal(bench, json.GetProperty("bench").GetString());
        Assert.Equal(BenchmarkShapes.Tiny, json.GetProperty("shape").GetString());
        Assert.Equal("float32", json.GetProperty("dtype").GetString());
        Assert.Equal(2, json.GetProperty("batch").GetInt32());
        Assert.Equal(6, json.GetProperty("seq").GetInt32());
        Assert.Equal(4, json.GetProperty("prompt").GetInt32());
        Assert.Equal(10, json.GetProperty("encoder_len").GetInt32());
        Assert.Equal(1, json.GetProperty("threads").GetInt32());
        Assert.Equal(2, json.GetProperty("steps").GetInt32());
        // and every measurement is there and positive
        foreach (string field in new[] { "ms_per_step_median", "ms_min", "ms_max", "tokens_per_s", "examples_per_s", "peak_rss_mb" })
            Assert.True(json.GetProperty(field).GetDouble() > 0, $"{field} = {json.GetProperty(field)}");
        double min = json.GetProperty("ms_min").GetDouble(), median = json.GetProperty("ms_per_step_median").GetDouble(), max = json.GetProperty("ms_max").GetDouble();
        Assert.True(min <= median && median <= max, $"min {min}, median {median}, max {max}");
        Assert.True(json.GetProperty("backbone_parameters").GetInt64() > 0);
        Assert.True(json.GetProperty("trainable_parameters").GetInt64() > 0);
        var phases = json.GetProperty("phase_ms_median").EnumerateObject().ToList();
        Assert.NotEmpty(phases);
        Assert.All(phases, p => Assert.True(p.Value.GetDouble() >= 0, $"phase {p.Name} = {p.Value}"));
    }

    [Theory]
    [InlineData("train-step", 4 * 32)]  // SoftPrompt: l × d = 4 × 32 (tiny d_model)
    [InlineData("distill-step", 4 * 32 + 3 * (4 + 32))] // MultitaskPrompt: l·d + tasks·(l + d)·r with 3 tasks, rank 1
    public void Should_Train_Only_The_Prompt_And_Report_A_Finite_Loss(string bench, int expectedTrainable)
    {
        var json = TinyBench.RunJson(TinyBench.Args(bench, bench == "distill-step" ? ["--tasks", "3"] : []));

        double loss = json.GetProperty("loss_first").GetDouble();
        Assert.True(double.IsFinite(loss) && loss > 0, $"loss_first = {loss}");
        Assert.Equal(expectedTrainable, json.GetProperty("trainable_parameters").GetInt64());
        Assert.True(json.GetProperty("dropout").GetBoolean());
    }

    [Fact]
    public void Should_Split_The_Train_Step_Into_Its_Phases()
    {
        var json = TinyBench.RunJson(TinyBench.Args("train-step"));

        var names = json.GetProperty("phase_ms_median").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Equal(new HashSet<string> { "optimizer", "prompt", "encoder", "decoder_loss", "backward" }, names);
    }

    [Fact]
    public void Should_Run_The_Backbone_In_BFloat16_When_Asked()
    {
        var json = TinyBench.RunJson(TinyBench.Args("train-step", "--bf16"));

        Assert.Equal("bfloat16", json.GetProperty("dtype").GetString());
        Assert.True(double.IsFinite(json.GetProperty("loss_first").GetDouble()));
    }

    [Fact]
    public void Should_Build_A_BFloat16_Backbone_Without_A_Float32_Copy_And_Restore_The_Default_Dtype()
    {
        // Given: the process default dtype
        var before = torch.get_default_dtype();

        // When
        using var workload = BenchmarkWorkload.Create(new BenchmarkSettings { Shape = BenchmarkShapes.Tiny, BFloat16 = true, Threads = 1 });

        // Then: every parameter was created in bfloat16 (none converted from a float32 one), and the default is back
        Assert.All(workload.Backbone.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        Assert.Equal(before, torch.get_default_dtype());
    }

    [Theory]
    [InlineData("train-step", false)]
    [InlineData("train-step", true)]
    [InlineData("distill-step", false)]
    public void Should_Checkpoint_Activations_When_Asked_With_The_Same_Losses(string bench, bool bf16)
    {
        // Given / When: the same seeded run with and without checkpointing (dropout on; bf16 weights with fp32 prompts)
        string[] dtype = bf16 ? ["--bf16"] : [];
        var plain = TinyBench.RunJson(TinyBench.Args(bench, dtype));
        var checkpointed = TinyBench.RunJson(TinyBench.Args(bench, [.. dtype, "--activation-checkpointing"]));

        // Then: the option is reported, and the first measured step's loss — after the warm-up step updated the
        // prompt with the gradients of the recomputed blocks — is the one without checkpointing
        Assert.False(plain.GetProperty("activation_checkpointing").GetBoolean());
        Assert.True(checkpointed.GetProperty("activation_checkpointing").GetBoolean());
        Assert.Equal(plain.GetProperty("loss_first").GetDouble(), checkpointed.GetProperty("loss_first").GetDouble(), 1e-5);
    }

    [Fact]
    public void Should_Turn_Backbone_Dropout_Off_When_Asked()
    {
        var json = TinyBench.RunJson(TinyBench.Args("train-step", "--no-dropout"));

        Assert.False(json.GetProperty("dropout").GetBoolean());
    }

    [Fact]
    public void Should_Report_Decoding_Steps_For_Generation()
    {
        var json = TinyBench.RunJson(TinyBench.Args("generate"));

        double steps = json.GetProperty("generated_tokens_mean").GetDouble();
        Assert.InRange(steps, 1, 3); // at most --target new tokens; at least one step always runs
        Assert.False(json.GetProperty("dropout").GetBoolean());
    }

    [Fact]
    public void Should_Suggest_The_Closest_Shape_For_An_Unknown_One()
    {
        var result = CliRunner.Run("bench", "train-step", "--shape", "t5-smal");

        Assert.Equal(Mpt.Cli.MptCli.Usage, result.ExitCode);
        Assert.Contains("Unknown shape 't5-smal'", result.Error);
        Assert.Contains("Did you mean 't5-small'?", result.Error);
        Assert.Empty(result.Output);
    }

    [Theory]
    [InlineData("--batch", "0")]
    [InlineData("--steps", "0")]
    [InlineData("--threads", "0")]
    [InlineData("--warmup", "-1")]
    public void Should_Reject_Out_Of_Range_Values_Naming_The_Flag(string flag, string value)
    {
        var result = CliRunner.Run("bench", "train-step", "--shape", BenchmarkShapes.Tiny, flag, value);

        Assert.Equal(Mpt.Cli.MptCli.Failed, result.ExitCode);
        Assert.Contains($"{flag} must be at least", result.Error);
        Assert.Empty(result.Output);
    }
}
