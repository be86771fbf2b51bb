using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Benchmarks;

/// <summary>
/// <c>mpt bench train-step</c>: one prompt-tuning step on a frozen T5 — forward with a soft prompt of l rows, backward to
/// the prompt only, AdamW on the prompt (lr 0.3, the paper's) — the work every step of teacher training and target
/// adaptation does. The backbone is in train mode (dropout on), as in HF/PEFT prompt tuning.
/// </summary>
public static class TrainStepBenchmark
{
    /// <summary>Benchmark name in results.</summary>
    public const string Name = "train-step";

    /// <summary>
    /// Runs the benchmark. Phases reported: <c>prompt</c> (prompt + token embeddings), <c>encoder</c>,
    /// <c>decoder_loss</c> (decoder, LM head, cross-entropy), <c>backward</c>, <c>optimizer</c> (zero_grad + AdamW).
    /// The forward is split exactly as <see cref="PromptedT5.Forward"/> runs it, through its public pieces.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid settings (the message names the flag).</exception>
    public static BenchmarkResult Run(BenchmarkSettings settings)
    {
        using var workload = BenchmarkWorkload.Create(settings);
        using var rows = workload.SampledPromptRows();
        using var prompt = new SoftPrompt(rows);
        var prompted = new PromptedT5(workload.Backbone, prompt);
        prompted.Train();
        if (!settings.Dropout) workload.Backbone.eval(); // frozen backbone without dropout; the prompt still trains
        using var optimizer = new PromptOptimizer(prompt, PromptLearningRates.SourceTraining);
        using var taskIds = torch.zeros(settings.Batch, ScalarType.Int64);
        var backbone = workload.Backbone;

        var timings = BenchmarkLoop.Run(settings.Warmup, settings.Steps, timer =>
        {
            optimizer.ZeroGrad();
            timer.Mark("optimizer");
            var (embeds, mask) = prompted.BuildEncoderInput(workload.InputIds, workload.AttentionMask, taskIds);
            timer.Mark("prompt");
            var encoded = backbone.Encode(null, embeds, mask);
            timer.Mark("encoder");
            var output = backbone.Forward(null, null, mask, null, workload.Labels, encoderOutput: encoded);
            timer.Mark("decoder_loss");
            output.Loss!.backward();
            timer.Mark("backward");
            optimizer.Step();
            timer.Mark("optimizer");
            return output.Loss;
        });

        return workload.Result(Name, timings, (double)settings.Batch * settings.Seq, prompt.TrainableParameterCount()) with
        {
            LossFirst = timings.FirstLoss,
        };
    }
}
