using Mpt.Evaluation;
using Mpt.Prompts;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Benchmarks;

/// <summary>
/// <c>mpt bench rank-classify</c>: evaluation throughput of rank classification — one batch scored against
/// <see cref="BenchmarkSettings.Candidates"/> label strings of <see cref="BenchmarkSettings.Target"/> tokens each, with
/// the prompt, in eval mode, without gradients. By default through <see cref="RankClassifier.Score"/>, which encodes
/// the batch once and reuses the encoder output for every candidate (issue 7 part 3); with
/// <see cref="BenchmarkSettings.ReuseEncoderOutput"/> off, the straightforward way — a full encoder + decoder pass per
/// candidate, as scoring each (input, label) pair separately does — for the speed-up. One step = one batch.
/// </summary>
public static class RankClassifyBenchmark
{
    /// <summary>Benchmark name in results.</summary>
    public const string Name = "rank-classify";

    /// <summary>Runs the benchmark; examples_per_s counts scored examples (each against every candidate).</summary>
    /// <exception cref="ArgumentException">Invalid settings (the message names the flag).</exception>
    public static BenchmarkResult Run(BenchmarkSettings settings)
    {
        using var workload = BenchmarkWorkload.Create(settings);
        using var rows = workload.SampledPromptRows();
        using var prompt = new SoftPrompt(rows);
        var prompted = new PromptedT5(workload.Backbone, prompt);
        var model = EvaluationModel.WithPrompt(prompted);
        model.Eval();
        var candidates = Candidates(settings);

        var timings = BenchmarkLoop.Run(settings.Warmup, settings.Steps, timer =>
        {
            double[,] scores = settings.ReuseEncoderOutput
                ? RankClassifier.Score(model, workload.InputIds, workload.AttentionMask, candidates)
                : ScoreReEncoding(model, workload.InputIds, workload.AttentionMask, candidates);
            timer.Mark("score");
            return torch.tensor(scores[0, 0]); // a finite log-probability: the sanity value of the first measured step
        });

        return workload.Result(Name, timings, (double)settings.Batch * settings.Seq, prompt.TrainableParameterCount()) with
        {
            LossFirst = timings.FirstLoss,
            Candidates = settings.Candidates,
            ReuseEncoderOutput = settings.ReuseEncoderOutput,
        };
    }

    /// <summary>
    /// Scores [B, C] computed the straightforward way: the whole model (encoder included) runs once per candidate.
    /// The same numbers as <see cref="RankClassifier.Score"/> (the encoder output does not depend on the candidate).
    /// </summary>
    public static double[,] ScoreReEncoding(EvaluationModel model, Tensor inputIds, Tensor attentionMask, IReadOnlyList<long[]> candidates)
    {
        var scores = new double[inputIds.shape[0], candidates.Count];
        for (int c = 0; c < candidates.Count; c++)
        {
            double[,] one = RankClassifier.Score(model, inputIds, attentionMask, [candidates[c]]);
            for (int b = 0; b < scores.GetLength(0); b++) scores[b, c] = one[b, 0];
        }
        return scores;
    }

    /// <summary>C seeded label strings of <see cref="BenchmarkSettings.Target"/> tokens, each ending with eos (1).</summary>
    public static IReadOnlyList<long[]> Candidates(BenchmarkSettings settings)
    {
        var random = new Random(unchecked((int)settings.Seed));
        int vocab = BenchmarkShapes.Get(settings.Shape).VocabSize;
        return Enumerable.Range(0, settings.Candidates)
            .Select(_ => Enumerable.Range(0, settings.Target).Select(t => t == settings.Target - 1 ? 1L : random.NextInt64(2, vocab)).ToArray())
            .ToList();
    }
}
