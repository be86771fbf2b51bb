using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Benchmarks;

/// <summary>The measured part of a run: step times, per-phase medians and the first measured step's loss.</summary>
internal sealed record LoopTimings(StepStatistics Steps, IReadOnlyDictionary<string, double> PhaseMedians, double? FirstLoss, IReadOnlyList<double> StepValues);

/// <summary>Runs warm-up then measured steps, each in its own dispose scope, so every step starts from the same memory
/// state and nothing a step allocates outlives it (docs/stack.md §3).</summary>
internal static class BenchmarkLoop
{
    /// <summary>
    /// Calls <paramref name="step"/> warmup + steps times. The step marks its phases on the timer it is given and
    /// returns a value to report (a loss, or a generated-token count), read after the timer stopped.
    /// </summary>
    public static LoopTimings Run(int warmup, int steps, Func<PhaseTimer, Tensor?> step)
    {
        for (int i = 0; i < warmup; i++)
        {
            using var scope = torch.NewDisposeScope();
            step(new PhaseTimer());
        }
        var totals = new List<double>(steps);
        var values = new List<double>(steps);
        var phases = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        for (int i = 0; i < steps; i++)
        {
            using var scope = torch.NewDisposeScope();
            var timer = new PhaseTimer();
            var reported = step(timer);
            totals.Add(timer.TotalMs);
            foreach (var (name, ms) in timer.Phases)
            {
                if (!phases.TryGetValue(name, out var list)) phases[name] = list = [];
                list.Add(ms);
            }
            // Read after the clock stopped: the value is only a sanity check.
            if (reported is not null) values.Add(reported.to(ScalarType.Float64).item<double>());
        }
        var medians = phases.ToDictionary(kv => kv.Key, kv => Math.Round(StepStatistics.Median(kv.Value), 2), StringComparer.Ordinal);
        return new LoopTimings(StepStatistics.Of(totals), medians, values.Count > 0 ? values[0] : null, values);
    }
}
