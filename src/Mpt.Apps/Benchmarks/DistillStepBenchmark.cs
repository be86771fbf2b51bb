using Mpt.Training;
using TorchSharp;

namespace Mpt.Benchmarks;

/// <summary>
/// <c>mpt bench distill-step</c>: one step of MPT source training (Wang et al. 2023, §3.1 Eq. 5) exactly as
/// <see cref="Distiller"/> runs it — its per-batch objective (<see cref="Distiller.Objective"/>: the student
/// <see cref="Mpt.Prompts.MultitaskPrompt"/> (P* ∘ u_k v_k) pass, plus a dropout-free student pass for the hidden-state
/// term under <see cref="HiddenStateDropout.CleanStudentPass"/>; the no-grad, eval-mode teacher pass with each row's
/// teacher prompt; L_PLM + λ (logit KL + encoder/decoder hidden MSE)), then backward to the student and AdamW.
/// Rows are spread over <see cref="BenchmarkSettings.Tasks"/> tasks.
/// </summary>
public static class DistillStepBenchmark
{
    /// <summary>Benchmark name in results.</summary>
    public const string Name = "distill-step";

    /// <summary>
    /// Runs the benchmark. Phases reported: <c>student_forward</c> (the student's training pass, and its dropout-free
    /// hidden-state pass under <see cref="HiddenStateDropout.CleanStudentPass"/> with dropout on), <c>teacher</c>
    /// (no-grad, eval-mode teacher forward with hidden states, or with <see cref="BenchmarkSettings.CacheTeachers"/>
    /// the targets re-assembled from the teacher-output cache), <c>losses</c> (KL, hidden MSE, total),
    /// <c>backward</c>, <c>optimizer</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid settings (the message names the flag).</exception>
    public static BenchmarkResult Run(BenchmarkSettings settings)
    {
        using var setup = DistillStepSetup.Create(settings);
        var distiller = new Distiller(setup.Workload.Backbone, Options(settings));
        using var optimizer = new PromptOptimizer(setup.Student, distiller.Options.Rates);
        using var cache = distiller.CreateTeacherCache();
        PhaseTimer? timer = null;
        var objective = distiller.Objective(setup.Prompted, setup.Teachers, cache, phase => timer?.Mark(phase));
        if (cache is not null)
        {
            // --cache-teachers measures a step of a later epoch: the first epoch's step fills the cache. Restoring the
            // generator afterwards gives the measured steps the dropout masks of the uncached run, so loss_first is
            // comparable between the two.
            using var fill = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            var rng = torch.random.get_rng_state();
            objective(setup.Batch);
            torch.random.set_rng_state(rng);
        }

        var timings = BenchmarkLoop.Run(settings.Warmup, settings.Steps, stepTimer =>
        {
            timer = stepTimer;
            optimizer.ZeroGrad();
            stepTimer.Mark("optimizer");
            var total = objective(setup.Batch).Total;
            total.backward();
            stepTimer.Mark("backward");
            optimizer.Step();
            stepTimer.Mark("optimizer");
            return total;
        });

        var result = setup.Workload.Result(Name, timings, (double)settings.Batch * settings.Seq, setup.Student.TrainableParameterCount());
        return result with
        {
            LossFirst = timings.FirstLoss,
            CacheTeachers = cache is not null,
            TeacherCacheBytesPerExample = cache is null ? null : Math.Round(cache.Statistics.BytesPerExample),
            HiddenStateDropout = BenchmarkSettings.HiddenStateDropoutName(settings.HiddenStateDropout),
        };
    }

    /// <summary>
    /// The <see cref="Distiller"/> options of the benchmark: the library defaults (paper objective, λ, T, reductions,
    /// learning rates) with the benchmark's prompt shape, hidden-state dropout choice and teacher caching.
    /// </summary>
    internal static DistillationOptions Options(BenchmarkSettings settings) => new()
    {
        PromptLength = settings.Prompt,
        Rank = settings.Rank,
        HiddenStateDropout = settings.HiddenStateDropout,
        CacheTeacherOutputs = settings.CacheTeachers,
    };
}
