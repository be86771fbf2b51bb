using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Mpt.Tests.Training;

/// <summary>
/// The exact teacher-output cache (issue 7, part 3): distillation with <see cref="DistillationOptions.CacheTeacherOutputs"/>
/// must give the losses of a fresh teacher pass in every epoch, whatever batch and padding an example lands in.
/// </summary>
public sealed class TeacherOutputCacheTests(ITestOutputHelper output)
{
    /// <summary>
    /// Bound on |cached − fresh| for a loss term. Rows are cached from the batch an example first appeared in and later
    /// batches pad it differently; CPU matrix-product blocking may then move teacher values by a few ulps (float32 ulp at
    /// the losses' magnitude ≈ 1e-7), so 1e-6 allows that and nothing more.
    /// </summary>
    private const double LossBound = 1e-6;

    /// <summary>Three tasks with different input lengths (5, 7, 9) and label lengths (2 or 3), so mixed batches pad differently.</summary>
    private static List<List<TrainingExample>> VariedTasks() =>
        new[] { TinyT5.Majority(12, 0, 10, 11, 2, 3, 1, length: 5), TinyT5.Majority(10, 1, 12, 13, 4, 5, 1, length: 7), TinyT5.Majority(8, 2, 14, 15, 3, 2, 1, length: 9) }
            .Select(task => task.Select((e, i) => i % 3 == 0 ? e with { LabelIds = [e.LabelIds[0], .. e.LabelIds] } : e).ToList())
            .ToList();

    /// <summary>The examples with duplicates removed (equal task, input and labels = one cache entry).</summary>
    private static List<TrainingExample> Distinct(IEnumerable<TrainingExample> examples) =>
        examples.DistinctBy(e => $"{e.TaskId}|{string.Join(" ", e.InputIds)}|{string.Join(" ", e.LabelIds)}").ToList();

    private static List<SoftPrompt> Teachers(Mpt.Model.T5ForConditionalGeneration backbone) =>
        Enumerable.Range(0, 3).Select(k => TargetPrompts.VocabularyInit(backbone, 4, (ulong)k + 1)).ToList();

    [Theory]
    [InlineData(DistillationObjective.LogitsAndHidden, HiddenLayers.Final)]
    [InlineData(DistillationObjective.LogitsAndHidden, HiddenLayers.All)]
    [InlineData(DistillationObjective.LogitsOnly, HiddenLayers.Final)]
    public void Should_Give_The_Losses_Of_A_Fresh_Teacher_Pass_In_Every_Epoch(DistillationObjective objective, HiddenLayers layers)
    {
        // Given: a student, the teachers, and the same objective with and without the cache
        using var backbone = TinyT5.Create(dropout: 0.0);
        var teachers = Teachers(backbone);
        using var bank = new TeacherPromptBank(teachers);
        var distiller = new Distiller(backbone, new DistillationOptions { PromptLength = 4, Objective = objective, HiddenLayers = layers, CacheTeacherOutputs = true });
        using var prompt = distiller.CreatePrompt(3);
        var student = new Mpt.Prompts.T5PromptBackbone(backbone).WithPrompt(prompt);
        using var cache = distiller.CreateTeacherCache()!;
        var fresh = distiller.Objective(student, bank);
        var cached = distiller.Objective(student, bank, cache);
        var examples = VariedTasks().SelectMany(t => t).ToList();
        var collator = new BatchCollator(0, TinyT5.Eos);
        int tensorsPerRow = objective == DistillationObjective.LogitsOnly ? 1 : 1 + 2 * (layers == HiddenLayers.Final ? 2 : 3);
        long? baseline = null;

        // When: three epochs, each in a different order and batch composition (batches of 5 over 30 examples)
        var maxDiffPerEpoch = new double[3];
        double maxDiffAllNew = 0; // over the batches whose rows were all new: the teacher saw exactly the fresh batch
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var order = examples.OrderBy(_ => 0).ToList();
            new Random(epoch).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(order));
            for (int start = 0; start < order.Count; start += 5)
            {
                using (var scope = torch.NewDisposeScope())
                {
                    var batch = collator.Collate(order.GetRange(start, 5));
                    var want = fresh(batch);
                    long missesBefore = cache.Statistics.Misses;
                    var got = cached(batch);
                    bool allNew = cache.Statistics.Misses - missesBefore == batch.Size;
                    Assert.Equal(want.Parts.Keys.Order(), got.Parts.Keys.Order());
                    foreach (var (name, value) in want.Parts.Append(new("total", want.Total)))
                    {
                        double w = value.item<float>(), g = (name == "total" ? got.Total : got.Parts[name]).item<float>();
                        maxDiffPerEpoch[epoch] = Math.Max(maxDiffPerEpoch[epoch], Math.Abs(w - g));
                        if (allNew) maxDiffAllNew = Math.Max(maxDiffAllNew, Math.Abs(w - g));
                        Assert.True(Math.Abs(w - g) <= LossBound, $"epoch {epoch}, batch at {start}: {name} cached {g:R} vs fresh {w:R}");
                    }
                }
                // Then: besides the rows the cache holds, nothing a step allocated is still alive
                long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount - tensorsPerRow * (long)cache.Statistics.Examples;
                baseline ??= live;
                Assert.Equal(baseline, live);
            }
        }

        // Then: a batch whose rows were all new (the teacher ran on the very batch the fresh pass sees) is bitwise equal;
        // a first-epoch batch that repeats an earlier example runs the teacher on the other rows only, a smaller batch,
        // which may move values by an ulp (the fused attention kernel does), so it is held to LossBound like later epochs.
        // Each example's teacher ran exactly once.
        output.WriteLine($"{objective}/{layers}: max |cached - fresh| per epoch = {string.Join(", ", maxDiffPerEpoch.Select(d => d.ToString("G3")))}; over all-new batches {maxDiffAllNew:G3}");
        Assert.Equal(0.0, maxDiffAllNew);
        var stats = cache.Statistics;
        int distinct = Distinct(examples).Count;
        Assert.Equal(distinct, stats.Examples);
        Assert.Equal(distinct, stats.Misses);
        Assert.Equal(3L * examples.Count - distinct, stats.Hits);
        foreach (var t in teachers) t.Dispose();
    }

    [Fact]
    public void Should_Account_For_Exactly_The_Rows_It_Stores()
    {
        // Given: the paper's objective on the tiny T5 (V = 64, d = 32, l = 4), final hidden states
        using var backbone = TinyT5.Create(dropout: 0.0);
        var teachers = Teachers(backbone);
        using var bank = new TeacherPromptBank(teachers);
        var distiller = new Distiller(backbone, new DistillationOptions { PromptLength = 4, CacheTeacherOutputs = true });
        using var prompt = distiller.CreatePrompt(3);
        var student = new Mpt.Prompts.T5PromptBackbone(backbone).WithPrompt(prompt);
        using var cache = distiller.CreateTeacherCache()!;
        var examples = VariedTasks().SelectMany(t => t).ToList();

        // When: every example passes once (in batches that mix lengths)
        using (var scope = torch.NewDisposeScope())
            for (int start = 0; start < examples.Count; start += 7)
                distiller.Objective(student, bank, cache)(new BatchCollator(0, TinyT5.Eos).Collate(examples.GetRange(start, Math.Min(7, examples.Count - start))));

        // Then: per example, unpadded logits t × V, encoder final state (l + n) × d, decoder final state t × d (float32),
        // the two masks (int64 attention mask n, bool target mask t) and the key (task, n, ids, mask, -1, t, labels)
        var unique = Distinct(examples);
        long tensorBytes = unique.Sum(e => 4L * (e.LabelIds.Count * 64 + (4 + e.InputIds.Count) * 32 + e.LabelIds.Count * 32) + 8L * e.InputIds.Count + e.LabelIds.Count);
        long keyBytes = unique.Sum(e => 8L * (4 + 2 * e.InputIds.Count + e.LabelIds.Count));
        var stats = cache.Statistics;
        Assert.Equal(unique.Count, stats.Examples);
        Assert.Equal(tensorBytes, stats.TensorBytes);
        Assert.Equal(keyBytes, stats.KeyBytes);
        Assert.Equal((double)(tensorBytes + keyBytes) / unique.Count, stats.BytesPerExample, 9);
        output.WriteLine($"tiny T5: {unique.Count} examples, {stats.TensorBytes} tensor bytes + {stats.KeyBytes} key bytes");
        foreach (var t in teachers) t.Dispose();
    }

    [Fact]
    public void Should_Train_The_Same_Prompt_With_And_Without_The_Cache()
    {
        // Given: three epochs of the paper's objective with backbone dropout on (the teacher pass draws no random numbers,
        // so the student's dropout masks are the same in both runs)
        var examplesByTask = VariedTasks();
        var loop = new TrainingLoopOptions { Epochs = 3, BatchSize = 6, WarmupSteps = 2, LogEverySteps = 1 };

        (List<TrainingLogEntry> Logs, Dictionary<string, Tensor> Prompt, TeacherCacheStatistics? Stats) Run(bool cache)
        {
            using var backbone = TinyT5.Create(dropout: 0.1);
            var teachers = Teachers(backbone);
            var logs = new List<TrainingLogEntry>();
            var distiller = new Distiller(backbone, new DistillationOptions { PromptLength = 4, CacheTeacherOutputs = cache, Loop = loop });
            var result = distiller.Train(examplesByTask, teachers, new TrainingHooks { Log = logs.Add });
            var prompt = result.Prompt.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone().DetachFromDisposeScope());
            result.Prompt.Dispose();
            foreach (var t in teachers) t.Dispose();
            return (logs, prompt, distiller.TeacherCache);
        }

        // When
        var fresh = Run(cache: false);
        var cached = Run(cache: true);

        // Then: the same losses at every step and the same trained prompt
        Assert.Null(fresh.Stats);
        Assert.NotNull(cached.Stats);
        Assert.True(cached.Stats!.Hits > 0, "the cache never hit");
        Assert.Equal(fresh.Logs.Count, cached.Logs.Count);
        double maxLoss = 0, maxPrompt = 0;
        for (int i = 0; i < fresh.Logs.Count; i++)
            foreach (var (name, value) in fresh.Logs[i].Parts)
            {
                maxLoss = Math.Max(maxLoss, Math.Abs(value - cached.Logs[i].Parts[name]));
                Assert.True(Math.Abs(value - cached.Logs[i].Parts[name]) <= LossBound, $"step {i}: {name} cached {cached.Logs[i].Parts[name]:R} vs fresh {value:R}");
            }
        foreach (var (name, want) in fresh.Prompt)
        {
            maxPrompt = Math.Max(maxPrompt, (want - cached.Prompt[name]).abs().max().item<float>());
            Assert.True(want.allclose(cached.Prompt[name], rtol: 0, atol: 1e-5), $"prompt parameter {name} differs");
        }
        output.WriteLine($"{fresh.Logs.Count} steps, {cached.Stats.Examples} examples cached ({cached.Stats.BytesPerExample:F0} B each), hits {cached.Stats.Hits}, misses {cached.Stats.Misses}; max loss diff {maxLoss:G3}, max prompt diff {maxPrompt:G3}");
        foreach (var t in fresh.Prompt.Values.Concat(cached.Prompt.Values)) t.Dispose();
    }

    [Fact]
    public void Should_Stay_Within_The_Bound_On_A_T5_Small_Shaped_Model()
    {
        // Given: the t5-small shape (d 512, 6 + 6 layers, vocab 32128; random weights decide no kernel choice) and
        // examples of 12-60 tokens, so a row is cached from one padded batch and served into differently padded ones
        using var backbone = new Mpt.Model.T5ForConditionalGeneration(Mpt.Benchmarks.BenchmarkShapes.Get("t5-small"));
        backbone.train(false);
        var teachers = Enumerable.Range(0, 2).Select(k => TargetPrompts.VocabularyInit(backbone, 8, (ulong)k + 1)).ToList();
        using var bank = new TeacherPromptBank(teachers);
        var distiller = new Distiller(backbone, new DistillationOptions { PromptLength = 8, CacheTeacherOutputs = true });
        using var prompt = distiller.CreatePrompt(2);
        var student = new Mpt.Prompts.T5PromptBackbone(backbone).WithPrompt(prompt);
        student.BackboneTraining = false;
        using var cache = distiller.CreateTeacherCache()!;
        var rng = new Random(3);
        var examples = Enumerable.Range(0, 8).Select(i => new TrainingExample(
            [.. Enumerable.Range(0, 12 + rng.Next(48)).Select(_ => (long)rng.Next(2, 32128)), 1], [rng.Next(2, 32128), 1], i % 2)).ToList();
        var collator = new BatchCollator(0, 1);

        // When: two epochs of batches of 4 in different orders; the teacher targets are compared directly as well
        double maxTarget = 0, maxLoss = 0;
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var order = examples.OrderBy(_ => rng.Next()).ToList();
            for (int start = 0; start < order.Count; start += 4)
            {
                using var scope = torch.NewDisposeScope();
                var batch = collator.Collate(order.GetRange(start, 4));
                var s = student.ForwardWithPrompts(batch, prompt.call(PromptTuningObjective.StudentTaskIds(prompt, batch)), outputHiddenStates: true);
                var want = TeacherTargets.FromOutput(bank.Forward(student, batch, outputHiddenStates: true));
                var got = cache.Targets(bank, student, batch, s);
                var logitMask = s.LogitsMask.ne(0).unsqueeze(-1);
                maxTarget = Math.Max(maxTarget, (want.Logits! - got.Logits!).abs().masked_fill(logitMask.logical_not(), 0).max().item<float>());
                for (int i = 0; i < 2; i++)
                {
                    var mask = s.HiddenStates![i].ComparedPositions(true).unsqueeze(-1);
                    maxTarget = Math.Max(maxTarget, (want.HiddenStates![i].States[^1] - got.HiddenStates![i].States[^1]).abs().masked_fill(mask.logical_not(), 0).max().item<float>());
                }
                var fresh = distiller.Objective(student, bank)(batch);
                var cached = distiller.Objective(student, bank, cache)(batch);
                maxLoss = Math.Max(maxLoss, Math.Abs(fresh.Total.item<float>() - cached.Total.item<float>()));
            }
        }

        // Then
        output.WriteLine($"t5-small shape: max |cached - fresh| teacher value {maxTarget:G3}, total loss {maxLoss:G3}");
        Assert.True(maxLoss <= LossBound, $"total loss differs by {maxLoss}");
        Assert.True(maxTarget <= 1e-4, $"a teacher value differs by {maxTarget}");
        foreach (var t in teachers) t.Dispose();
    }
}
