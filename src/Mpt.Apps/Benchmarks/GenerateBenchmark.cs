using Mpt.Prompts;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Benchmarks;

/// <summary>
/// <c>mpt bench generate</c>: evaluation throughput — greedy decoding of up to <see cref="BenchmarkSettings.Target"/>
/// new tokens for a batch, with the prompt, in eval mode and without gradients, using the decoder's key/value cache
/// (<see cref="Mpt.Model.T5ForConditionalGeneration.Generate"/>). One step = one batch.
/// </summary>
public static class GenerateBenchmark
{
    /// <summary>Benchmark name in results.</summary>
    public const string Name = "generate";

    /// <summary>Runs the benchmark; tokens_per_s counts generated tokens (batch × decoding steps actually run).</summary>
    /// <exception cref="ArgumentException">Invalid settings (the message names the flag).</exception>
    public static BenchmarkResult Run(BenchmarkSettings settings)
    {
        using var workload = BenchmarkWorkload.Create(settings);
        using var rows = workload.SampledPromptRows();
        using var prompt = new SoftPrompt(rows);
        var prompted = new PromptedT5(workload.Backbone, prompt);
        prompted.Train(false);
        using var taskIds = torch.zeros(settings.Batch, ScalarType.Int64);

        var timings = BenchmarkLoop.Run(settings.Warmup, settings.Steps, timer =>
        {
            var output = prompted.Generate(workload.InputIds, workload.AttentionMask, taskIds, settings.Target);
            timer.Mark("generate");
            return torch.tensor((double)(output.Sequences.shape[1] - 1)); // decoding steps run (start token excluded)
        });

        double generated = timings.StepValues.Average();
        return workload.Result(Name, timings, settings.Batch * generated, prompt.TrainableParameterCount()) with
        {
            GeneratedTokensMean = generated,
        };
    }
}
