using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Benchmarks;

/// <summary>
/// <c>mpt bench distill-step</c>: one step of MPT source training (Wang et al. 2023, §3.1 Eq. 5) — the frozen backbone
/// runs once with each row's teacher prompt under no_grad in eval mode and once with the student <see cref="MultitaskPrompt"/>
/// (P* ∘ u_k v_k), then L_PLM + λ (logit KL + encoder/decoder hidden MSE) is back-propagated to the student and AdamW
/// updates it. Rows are spread over <see cref="BenchmarkSettings.Tasks"/> tasks.
/// </summary>
public static class DistillStepBenchmark
{
    /// <summary>Benchmark name in results.</summary>
    public const string Name = "distill-step";

    /// <summary>
    /// Runs the benchmark. Phases reported: <c>teacher</c> (no-grad, eval-mode teacher forward with hidden states),
    /// <c>student_forward</c>, <c>losses</c> (KL, hidden MSE, total), <c>backward</c>, <c>optimizer</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid settings (the message names the flag).</exception>
    public static BenchmarkResult Run(BenchmarkSettings settings)
    {
        using var workload = BenchmarkWorkload.Create(settings);
        var backbone = workload.Backbone;
        using var rows = workload.SampledPromptRows();
        using var student = MultitaskPrompt.Create(rows, settings.Tasks, settings.Rank);
        var prompted = new PromptedT5(backbone, student);
        prompted.Train();
        if (!settings.Dropout) workload.Backbone.eval(); // frozen backbone without dropout; the prompt still trains
        using var optimizer = new PromptOptimizer(student, PromptLearningRates.SourceTraining);

        using var generator = new torch.Generator(settings.Seed + 1);
        // One trained teacher prompt per task in real runs; here the student's init plus noise, so teacher and student differ.
        using var teacherPrompts = (rows.unsqueeze(0) + 0.1 * torch.randn([settings.Tasks, settings.Prompt, rows.shape[1]], generator: generator))
            .to(backbone.SharedWeight.dtype);                                                                     // (K, l, D)
        using var taskIds = torch.randint(0, settings.Tasks, [settings.Batch], ScalarType.Int64, generator: generator);
        if (settings.CacheTeachers) return RunCached(settings, workload, student, prompted, optimizer, teacherPrompts, taskIds);

        var timings = BenchmarkLoop.Run(settings.Warmup, settings.Steps, timer =>
        {
            optimizer.ZeroGrad();
            timer.Mark("optimizer");
            Mpt.Model.T5Seq2SeqOutput teacher;
            Tensor mask;
            // The teacher is a fixed target: eval mode (no dropout) makes its outputs a deterministic function of
            // (example, task), which is also what exact teacher caching (issue 7, part 3) needs.
            bool studentDropout = backbone.training;
            backbone.eval();
            using (torch.no_grad())
            {
                var tokens = backbone.EmbedTokens(workload.InputIds);                                            // (B, S, D)
                var embeds = torch.cat([teacherPrompts.index_select(0, taskIds), tokens], 1);                    // (B, l+S, D)
                mask = torch.cat([torch.ones(settings.Batch, settings.Prompt, ScalarType.Int64), workload.AttentionMask], 1);
                teacher = backbone.Forward(null, embeds, mask, null, workload.Labels, outputHiddenStates: true);
            }
            backbone.train(studentDropout);
            timer.Mark("teacher");
            var studentOut = prompted.Forward(workload.InputIds, workload.AttentionMask, taskIds, workload.Labels, outputHiddenStates: true);
            timer.Mark("student_forward");
            var targetMask = DistillationLosses.TargetMask(workload.Labels);
            var kl = DistillationLosses.LogitKl(teacher.Logits, studentOut.Logits, targetMask);
            var hidden = DistillationLosses.EncoderDecoderHiddenMse(
                teacher.EncoderHiddenStates!, studentOut.EncoderHiddenStates!, DistillationLosses.EncoderMask(workload.AttentionMask, settings.Prompt),
                teacher.DecoderHiddenStates!, studentOut.DecoderHiddenStates!, targetMask);
            var total = DistillationLosses.TotalLoss(studentOut.Loss!, kl, hidden);
            timer.Mark("losses");
            total.backward();
            timer.Mark("backward");
            optimizer.Step();
            timer.Mark("optimizer");
            return total;
        });

        return workload.Result(Name, timings, (double)settings.Batch * settings.Seq, student.TrainableParameterCount()) with
        {
            LossFirst = timings.FirstLoss,
            CacheTeachers = false,
        };
    }

    /// <summary>
    /// <c>--cache-teachers</c>: the step of a later epoch under <see cref="DistillationOptions.CacheTeacherOutputs"/>.
    /// The cache is filled once before the measured steps (the first epoch's teacher pass); each step then runs the
    /// student forward and re-assembles the teacher targets from the cache (phase <c>teacher</c>), the same losses,
    /// backward and AdamW.
    /// </summary>
    private static BenchmarkResult RunCached(BenchmarkSettings settings, BenchmarkWorkload workload, MultitaskPrompt student,
        PromptedT5 prompted, PromptOptimizer optimizer, Tensor teacherPrompts, Tensor taskIds)
    {
        var batch = new PromptBatch(workload.InputIds, workload.AttentionMask, workload.Labels, taskIds);
        using var bank = new TeacherPromptBank(teacherPrompts);
        using var cache = new TeacherOutputCache(hiddenStates: true);
        using (var fill = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            // The fill pass needs a student output for the shapes; restoring the generator afterwards gives the measured
            // steps the dropout masks of the uncached run, so loss_first is comparable between the two.
            var rng = torch.random.get_rng_state();
            var first = prompted.ForwardWithPrompts(batch, student.call(taskIds), outputHiddenStates: true);
            cache.Targets(bank, prompted, batch, first);
            torch.random.set_rng_state(rng);
        }

        var timings = BenchmarkLoop.Run(settings.Warmup, settings.Steps, timer =>
        {
            optimizer.ZeroGrad();
            timer.Mark("optimizer");
            var studentOut = prompted.ForwardWithPrompts(batch, student.call(taskIds), outputHiddenStates: true);
            timer.Mark("student_forward");
            var teacher = cache.Targets(bank, prompted, batch, studentOut);
            timer.Mark("teacher");
            var kl = DistillationLosses.LogitKl(teacher.Logits, studentOut.Logits, studentOut.LogitsMask);
            var hidden = DistillationLosses.EncoderDecoderHiddenMse(
                teacher.HiddenStates![0].States, studentOut.HiddenStates![0].States, studentOut.HiddenStates[0].ComparedPositions(true),
                teacher.HiddenStates[1].States, studentOut.HiddenStates[1].States, studentOut.HiddenStates[1].ComparedPositions(true));
            var total = DistillationLosses.TotalLoss(studentOut.Loss, kl, hidden);
            timer.Mark("losses");
            total.backward();
            timer.Mark("backward");
            optimizer.Step();
            timer.Mark("optimizer");
            return total;
        });

        var stats = cache.Statistics;
        return workload.Result(Name, timings, (double)settings.Batch * settings.Seq, student.TrainableParameterCount()) with
        {
            LossFirst = timings.FirstLoss,
            CacheTeachers = true,
            TeacherCacheBytesPerExample = Math.Round(stats.BytesPerExample),
        };
    }
}
