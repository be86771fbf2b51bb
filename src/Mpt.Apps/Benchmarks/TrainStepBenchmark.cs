using Mpt.Distributed;
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
/// <remarks>
/// Under an MPI launcher with N ranks (docs/distributed.md) it measures the data-parallel step: each rank runs its
/// slice of the --batch examples, and two phases are added before the optimizer: <c>rank_wait</c> (a barrier: the
/// time the ranks wait for the slowest one) and <c>allreduce</c> (the fused gradient allreduce of the training loop,
/// <see cref="DataParallelStep.AllreduceGradients"/>). Rank 0 reports; throughput counts the whole batch.
/// </remarks>
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
        var group = MpiWorld.TrainingGroup;
        int rows = group is null ? settings.Batch : DataParallelStep.Slice(settings.Batch, group.Size, group.Rank).Count;
        if (rows < 1) throw new ArgumentException($"--batch: {settings.Batch} examples cannot be split over {group!.Size} MPI ranks.");
        using var workload = BenchmarkWorkload.Create(settings with { Batch = rows });
        using var promptRows = workload.SampledPromptRows();
        using var prompt = new SoftPrompt(promptRows);
        var prompted = new PromptedT5(workload.Backbone, prompt);
        prompted.Train();
        if (!settings.Dropout) workload.Backbone.eval(); // frozen backbone without dropout; the prompt still trains
        using var optimizer = new PromptOptimizer(prompt, PromptLearningRates.SourceTraining);
        using var taskIds = torch.zeros(rows, ScalarType.Int64);
        var parallel = group is null ? null : new DataParallelStep(group, prompt.parameters().ToList());
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
            if (parallel is not null)
            {
                group!.Barrier();
                timer.Mark("rank_wait");
                parallel.AllreduceGradients();
                timer.Mark("allreduce");
            }
            optimizer.Step();
            timer.Mark("optimizer");
            return output.Loss;
        });

        var result = workload.Result(Name, timings, (double)settings.Batch * settings.Seq, prompt.TrainableParameterCount()) with
        {
            LossFirst = timings.FirstLoss,
            // Under data parallelism the step covers the whole --batch, split over the ranks.
            Batch = settings.Batch,
            ExamplesPerS = Math.Round(settings.Batch / (timings.Steps.MedianMs / 1000.0), 3),
            Ranks = group?.Size,
        };
        return WithGemmRate(result, settings, BenchmarkShapes.Get(settings.Shape));
    }

    /// <summary>
    /// Adds the step's GEMM work and rate and, measured right after the steps in the same process (same threads), the
    /// rate of the step's dominant GEMM alone (<see cref="Numerics.GemmRate"/>: warm-up, median of timed rounds, with
    /// its spread) and the fraction of it the step reaches: in the backbone's dtype, and for a bfloat16 step also in
    /// float32 (issue 17's target is a fraction of the fp32 rate). Both dtypes' rounds alternate.
    /// </summary>
    internal static BenchmarkResult WithGemmRate(BenchmarkResult result, BenchmarkSettings settings, Model.T5Config config)
    {
        var flops = T5StepFlops.TrainStep(config, settings.Batch, settings.EncoderLength, settings.Target);
        var (m, k, n) = Numerics.GemmRate.DominantShape(config, settings.Batch, settings.EncoderLength);
        ScalarType[] dtypes = settings.BFloat16 ? [ScalarType.BFloat16, ScalarType.Float32] : [ScalarType.Float32];
        var rates = Numerics.GemmRate.Measure(m, k, n, dtypes, new Numerics.GemmProbeOptions { Seed = settings.Seed });
        var (gemm, fp32) = (rates[0], settings.BFloat16 ? rates[1] : null);
        double stepRate = flops.Total / 1e9 / (result.MsPerStepMedian / 1000.0);
        var spread = gemm.GflopPerSSpread;
        return result with
        {
            GflopPerStep = Round(flops.Total / 1e9),
            GflopPerS = Round(stepRate),
            GemmGflopPerS = Round(gemm.GflopPerS),
            GemmGflopPerSIqr = [Round(spread.LowerQuartile), Round(spread.UpperQuartile)],
            GemmGflopPerSRange = [Round(spread.Min), Round(spread.Max)],
            FractionOfGemmPeak = Round(stepRate / gemm.GflopPerS),
            GemmFp32GflopPerS = fp32 is null ? null : Round(fp32.GflopPerS),
            FractionOfFp32GemmPeak = fp32 is null ? null : Round(stepRate / fp32.GflopPerS),
        };
    }

    /// <summary>Four significant digits: the tiny test shape runs at a few MFLOP per step, real shapes at hundreds of GFLOP.</summary>
    internal static double Round(double x) => x == 0 ? 0 : Math.Round(x, Math.Max(0, 3 - (int)Math.Floor(Math.Log10(Math.Abs(x)))));
}
