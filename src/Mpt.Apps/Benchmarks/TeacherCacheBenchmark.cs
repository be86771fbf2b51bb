using System.Diagnostics;
using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Benchmarks;

/// <summary>
/// <c>mpt bench teacher-cache</c> (issue 17 item 6): what the teacher-output cache of MPT source training costs and how
/// far the top-k summary moves the KL, on a randomly initialised T5 of a named shape. Two kinds of JSON line:
/// <list type="bullet">
/// <item><c>teacher-cache-kl</c>, one per k: the exact KL of Eq. 3 (full vocabulary) and the lumped KL of the top-k
/// summary (<see cref="DistillationLosses.LumpedLogitKl"/>) between fresh teacher and student scores of the same batches,
/// their difference and the teacher's tail mass.</item>
/// <item><c>teacher-cache</c>: <see cref="TeacherCacheBenchmarkSettings.Examples"/> distinct examples put through the
/// cache (in RAM, exact; or on disk, top-k), with the bytes per example, the anonymous resident memory before and after,
/// the file size, the time to serve a batch from the cache, and the RAM and file size extrapolated to the paper's
/// source mixture (<see cref="PaperSourceExamples"/> examples).</item>
/// </list>
/// The backbone runs without dropout, as the teacher pass does; the student is the distill-step benchmark's.
/// </summary>
public static class TeacherCacheBenchmark
{
    /// <summary>Benchmark name.</summary>
    public const string Name = "teacher-cache";

    /// <summary>Training examples of the paper's source mixture (MNLI, QQP, QNLI, SST-2, SQuAD, ReCoRD), ≈ 1.1 M.</summary>
    public const long PaperSourceExamples = 1_100_000;

    /// <summary>Runs the benchmark; each returned dictionary is one JSON line.</summary>
    /// <exception cref="ArgumentException">Invalid settings (the message names the flag).</exception>
    public static IEnumerable<Dictionary<string, object?>> Run(TeacherCacheBenchmarkSettings settings)
    {
        settings.Validate();
        var bench = settings.Base with { Dropout = false };
        using var setup = DistillStepSetup.Create(bench);
        int batches = (settings.Examples + bench.Batch - 1) / bench.Batch;
        var lines = new List<Dictionary<string, object?>>();
        var parameters = setup.Student.parameters().Cast<Tensor>().ToList();

        // The KL error of the summary on the first few batches: the loss (summed over the target positions) and its
        // gradient with respect to the student prompt's parameters, which is what training follows.
        int klBatches = Math.Min(settings.KlBatches, batches);
        var sums = settings.TopK.ToDictionary(k => k, _ => new KlSums());
        long positions = 0;
        double exactSum = 0;
        for (int i = 0; i < klBatches; i++)
        {
            using var scope = torch.NewDisposeScope();
            var batch = Batch(setup, bench, i);
            var student = Student(setup, batch);
            Tensor teacherLogits;
            using (torch.no_grad()) teacherLogits = setup.Teachers.Forward(setup.Prompted, batch, outputHiddenStates: false).Logits;
            var mask = student.LogitsMask;
            var selected = mask.ne(0);
            positions += selected.sum().item<long>();
            var exact = DistillationLosses.LogitKl(teacherLogits, student.Logits, mask, reduction: LossReduction.Sum);
            exactSum += exact.item<float>();
            var exactGrad = Flat(torch.autograd.grad([exact], parameters, retain_graph: true));
            foreach (int k in settings.TopK)
            {
                var topK = TeacherTopK.From(teacherLogits, k, 1.0);
                var lumped = DistillationLosses.LumpedLogitKl(topK, student.Logits, mask, reduction: LossReduction.Sum);
                var lumpedGrad = Flat(torch.autograd.grad([lumped], parameters, retain_graph: true));
                var tail = topK.TailLogMass.exp().masked_fill(selected.logical_not(), 0);
                var acc = sums[k];
                acc.Lumped += lumped.item<float>();
                acc.Tail += tail.sum().item<float>();
                acc.TailMax = Math.Max(acc.TailMax, tail.max().item<float>());
                double exactSq = exactGrad.square().sum().item<float>(), lumpedSq = lumpedGrad.square().sum().item<float>();
                double cosine = (exactGrad * lumpedGrad).sum().item<float>() / Math.Sqrt(exactSq * lumpedSq);
                acc.CosineSum += cosine;
                acc.CosineMin = Math.Min(acc.CosineMin, cosine);
                acc.GradExactSq += exactSq;
                acc.GradDiffSq += (exactGrad - lumpedGrad).square().sum().item<float>();
            }
        }
        foreach (int k in settings.TopK)
        {
            var acc = sums[k];
            lines.Add(new()
            {
                ["bench"] = "teacher-cache-kl", ["shape"] = bench.Shape, ["weights"] = "random", ["teacher_noise"] = bench.TeacherNoise, ["vocab"] = setup.Workload.Backbone.Config.VocabSize, ["k"] = k,
                ["positions"] = positions, ["exact_kl_mean"] = exactSum / positions, ["lumped_kl_mean"] = acc.Lumped / positions,
                ["error_mean"] = (exactSum - acc.Lumped) / positions, ["relative_error"] = exactSum == 0 ? 0 : (exactSum - acc.Lumped) / exactSum,
                ["tail_mass_mean"] = acc.Tail / positions, ["tail_mass_max"] = acc.TailMax,
                ["prompt_grad_cosine_mean"] = acc.CosineSum / klBatches, ["prompt_grad_cosine_min"] = acc.CosineMin,
                ["prompt_grad_relative_error"] = Math.Sqrt(acc.GradDiffSq / acc.GradExactSq),
            });
        }
        using var noGrad = torch.no_grad();

        // The cache itself: every example through the objective once (the fill), then one batch served from it.
        var distiller = new Distiller(setup.Workload.Backbone, DistillStepBenchmark.Options(bench) with
        {
            CacheTeacherOutputs = true,
            TeacherCacheOnDisk = settings.OnDisk,
            TeacherCacheTopK = settings.OnDisk ? settings.TopK[0] : null,
            TeacherCacheHiddenBFloat16 = settings.HiddenBFloat16,
        });
        string? directory = settings.Directory;
        using var cache = distiller.CreateTeacherCache(setup.Teachers, directory)!;
        var objective = distiller.Objective(setup.Prompted, setup.Teachers, cache);
        using (var first = torch.NewDisposeScope()) objective(Batch(setup, bench, 0));   // allocator pools and libtorch state, before the baseline
        double anonBefore = AnonymousMiB();
        var clock = Stopwatch.StartNew();
        for (int i = 1; i < batches; i++)
        {
            using var scope = torch.NewDisposeScope();
            objective(Batch(setup, bench, i));
        }
        double fillSeconds = clock.Elapsed.TotalSeconds;
        double anonAfter = AnonymousMiB();
        var serveMs = new List<double>();
        for (int i = 0; i < Math.Min(batches, 5); i++)
        {
            using var scope = torch.NewDisposeScope();
            var batch = Batch(setup, bench, i);
            var student = Student(setup, batch, hidden: true);
            clock.Restart();
            cache.Targets(setup.Teachers, setup.Prompted, batch, student);
            serveMs.Add(clock.Elapsed.TotalMilliseconds);
        }
        serveMs.Sort();
        var stats = cache.Statistics;
        string? file = settings.OnDisk && directory is not null ? Path.Combine(directory, Distiller.TeacherCacheFileName) : null;
        const double GiB = 1024.0 * 1024 * 1024;
        lines.Add(new()
        {
            ["bench"] = Name, ["shape"] = bench.Shape, ["cache"] = settings.OnDisk ? "disk_topk" : "memory", ["k"] = settings.OnDisk ? settings.TopK[0] : null,
            ["hidden_dtype"] = settings.HiddenBFloat16 ? "bfloat16" : "float32",
            ["batch"] = bench.Batch, ["seq"] = bench.Seq, ["target"] = bench.Target, ["prompt"] = bench.Prompt, ["threads"] = bench.Threads,
            ["examples"] = stats.Examples, ["hits"] = stats.Hits, ["misses"] = stats.Misses,
            ["value_bytes_per_example"] = Math.Round((double)stats.TensorBytes / stats.Examples, 1),
            ["resident_bytes_per_example"] = Math.Round((double)stats.ResidentBytes / stats.Examples, 1),
            ["file_bytes"] = file is null ? null : new FileInfo(file).Length,
            ["rss_anon_before_mib"] = Math.Round(anonBefore, 1), ["rss_anon_after_mib"] = Math.Round(anonAfter, 1),
            ["rss_anon_growth_bytes_per_example"] = Math.Round((anonAfter - anonBefore) * 1024 * 1024 / Math.Max(1, stats.Examples - Math.Min(bench.Batch, stats.Examples)), 1),
            ["fill_s"] = Math.Round(fillSeconds, 2), ["serve_ms_median"] = Math.Round(serveMs[serveMs.Count / 2], 2),
            ["cache_resident_gib_at_paper_mixture"] = Math.Round(stats.ResidentBytes / (double)stats.Examples * PaperSourceExamples / GiB, 3),
            ["cache_values_gib_at_paper_mixture"] = Math.Round(stats.TensorBytes / (double)stats.Examples * PaperSourceExamples / GiB, 1),
            ["peak_rss_mib"] = ProcessMemory.PeakResidentMiB() is { } peak ? Math.Round(peak, 1) : null,
            ["loadavg_1m"] = ProcessMemory.LoadAverage1Min(),
        });
        return lines;
    }

    /// <summary>Batch <paramref name="index"/>: distinct random ids (seeded by the index), tasks spread over the teachers.</summary>
    private static PromptBatch Batch(DistillStepSetup setup, BenchmarkSettings settings, int index)
    {
        using var generator = new torch.Generator(settings.Seed + 1000 + (ulong)index);
        long vocab = setup.Workload.Backbone.Config.VocabSize;
        // Ids 0 (pad) and 1 (eos) are avoided, as in the other benchmarks.
        var ids = torch.randint(2, vocab, [settings.Batch, settings.Seq], ScalarType.Int64, generator: generator);
        var labels = torch.randint(2, vocab, [settings.Batch, settings.Target], ScalarType.Int64, generator: generator);
        var tasks = torch.randint(0, settings.Tasks, [settings.Batch], ScalarType.Int64, generator: generator);
        return new PromptBatch(ids, torch.ones(settings.Batch, settings.Seq, ScalarType.Int64), labels, tasks);
    }

    private static PromptedOutput Student(DistillStepSetup setup, PromptBatch batch, bool hidden = false) =>
        setup.Prompted.ForwardWithPrompts(batch, setup.Student.call(PromptTuningObjective.StudentTaskIds(setup.Student, batch)), hidden);

    private static Tensor Flat(IEnumerable<Tensor> gradients) => torch.cat(gradients.Select(g => g.flatten()).ToList());

    /// <summary>Sums over the KL batches for one k (gradient sums pooled over batches).</summary>
    private sealed class KlSums
    {
        public double Lumped, Tail, TailMax, CosineSum, CosineMin = 1, GradExactSq, GradDiffSq;
    }

    private static double AnonymousMiB()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return ProcessMemory.AnonymousResidentMiB() ?? double.NaN;
    }
}
