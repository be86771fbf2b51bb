using System.Diagnostics;
using Mpt.Encoder;
using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Mpt.Tests.Encoder;

/// <summary>
/// Step time of encoder prompt tuning at the benchmark's shape, batch 16 × (20 prompt + 40 tokens), in float32 and —
/// when the CPU has AVX512-BF16 (docs/stack.md §6: without it bf16 is slower than fp32) — with the backbone in bfloat16.
/// TorchSharp 0.107 has no autocast, so "bf16" here is the whole frozen model converted to bfloat16 (LayerNorm and
/// softmax included; PyTorch's CPU autocast would keep those in float32) with float32 prompt parameters. The numbers
/// are printed, not asserted (tests never assert timings); what is asserted is that bf16 computes the same loss.
/// </summary>
[Collection(MiniLMCollection.Name)]
public sealed class PromptedEncoderStepTimeTests(MiniLMFixture fixture, ITestOutputHelper output)
{
    private const int PromptLength = 20;
    private const int Tokens = 40;

    [Fact]
    public void Should_Report_Step_Times_And_Match_The_Float32_Loss_In_BFloat16()
    {
        var examples = Enumerable.Range(0, 16).Select(i => EncoderTrainingExamples.Create(fixture.Tokenizer,
            $"{SentimentSentences.Negative[i % 8]} {SentimentSentences.Positive[(i + 3) % 8]}",
            string.Join(" ", SentimentSentences.Topics[i % 3]), i % 2, 0, maxLength: Tokens)).ToList();
        Assert.All(examples, e => Assert.Equal(Tokens, e.InputIds.Count));

        var fp32 = Measure(fixture.Model, examples, "fp32");
        // The bf16 numerics are checked on every CPU; without avx512_bf16 the bf16 timing is just slow (docs/stack.md §6).
        if (!File.Exists("/proc/cpuinfo") || !File.ReadAllText("/proc/cpuinfo").Contains("avx512_bf16"))
            output.WriteLine("no avx512_bf16 on this CPU: the bf16 step time below is not representative");
        var clock = Stopwatch.StartNew();
        using var bf16Model = BertModel.FromOnnxFile(fixture.Files.ModelPath, BertConfig.AllMiniLmL6V2);
        bf16Model.to(ScalarType.BFloat16);
        output.WriteLine($"second model loaded and converted to bf16 in {clock.Elapsed.TotalSeconds:F1} s");
        var bf16 = Measure(bf16Model, examples, "bf16");

        // bf16 keeps ~3 significant digits: cosines move by ~1e-2, i.e. scores (cos / 0.05) by ~0.2.
        Assert.True(Math.Abs(bf16.FirstLoss - fp32.FirstLoss) <= 0.1 * fp32.FirstLoss + 0.05,
            $"bf16 first loss {bf16.FirstLoss} vs fp32 {fp32.FirstLoss}");
        output.WriteLine($"bf16 speed-up {fp32.StepMilliseconds / bf16.StepMilliseconds:F2}×");
    }

    /// <summary>One warm-up and three timed prompt-tuning steps (forward, backward, clip, AdamW) from the same init.</summary>
    private (double FirstLoss, double StepMilliseconds) Measure(BertModel model, List<TrainingExample> examples, string what)
    {
        using var backbone = new EncoderPromptBackbone(model, fixture.Tokenizer, [["It is about one thing.", "It is about another thing."]]);
        using var prompt = TargetPrompts.VocabularyInit(backbone, PromptLength, seed: 1);
        var prompted = backbone.WithPrompt(prompt);
        prompted.Train(false);
        using var optimizer = new PromptOptimizer(prompt, AdaptationRates.PromptTuning);
        var objective = PromptTuningObjective.For(prompted);
        var collator = prompted.CreateCollator(256);
        var times = new List<double>();
        double firstLoss = double.NaN;
        for (int step = 0; step < 4; step++)
        {
            var clock = Stopwatch.StartNew();
            using var scope = NewDisposeScope();
            var loss = objective(collator.Collate(examples)).Total;
            loss.backward();
            torch.nn.utils.clip_grad_norm_(prompt.parameters(), 1.0);
            optimizer.Step();
            optimizer.ZeroGrad();
            double value = loss.item<float>();
            if (step == 0) firstLoss = value;
            Assert.True(double.IsFinite(value), $"{what}: loss {value} at step {step}");
            if (step > 0) times.Add(clock.Elapsed.TotalMilliseconds);
        }
        double mean = times.Average();
        // The forward pass alone (evaluation, no gradient): where the time goes when a dtype is slow.
        var forwardClock = Stopwatch.StartNew();
        using (var scope = NewDisposeScope())
        using (var noGrad = torch.no_grad())
            objective(collator.Collate(examples)).Total.item<float>();
        double forward = forwardClock.Elapsed.TotalMilliseconds;
        output.WriteLine($"{what}: batch 16 × ({PromptLength} prompt + {Tokens} tokens), 1 torch thread: {string.Join(", ", times.Select(t => t.ToString("F0")))} ms/step (mean {mean:F0}), forward alone {forward:F0} ms; first loss {firstLoss:F4}");
        return (firstLoss, mean);
    }
}
