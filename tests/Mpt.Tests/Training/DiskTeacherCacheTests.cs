using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Mpt.Tests.Training;

/// <summary>
/// The on-disk top-k teacher-output cache (issue 17 item 6): <see cref="DistillationOptions.TeacherCacheOnDisk"/> with
/// <see cref="DistillationOptions.TeacherCacheTopK"/>. Exact when k = V; within the stated bound of the lumped KL
/// below it; the file survives a reopen with its rows; a damaged, truncated or foreign file is refused by name; no
/// tensor stays alive between steps.
/// </summary>
public sealed class DiskTeacherCacheTests(ITestOutputHelper output) : IDisposable
{
    private const double LossBound = 1e-6;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mpt-tcache-");

    /// <summary>The tiny T5 (V = 64), three teachers, a student and a distiller with the given cache options.</summary>
    private sealed class Rig : IDisposable
    {
        public Rig(int? topK, ulong teacherSeed = 1, DistillationObjective objective = DistillationObjective.LogitsAndHidden)
        {
            Backbone = TinyT5.Create(dropout: 0.0);
            Teachers = Enumerable.Range(0, 3).Select(k => TargetPrompts.VocabularyInit(Backbone, 4, (ulong)k + teacherSeed)).ToList();
            Bank = new TeacherPromptBank(Teachers);
            Distiller = new Distiller(Backbone, new DistillationOptions
            {
                PromptLength = 4, Objective = objective, CacheTeacherOutputs = true, TeacherCacheOnDisk = true, TeacherCacheTopK = topK,
            });
            Prompt = Distiller.CreatePrompt(3);
            Student = new T5PromptBackbone(Backbone).WithPrompt(Prompt);
        }

        public Mpt.Model.T5ForConditionalGeneration Backbone { get; }
        public List<SoftPrompt> Teachers { get; }
        public TeacherPromptBank Bank { get; }
        public Distiller Distiller { get; }
        public PromptEncoder Prompt { get; }
        public IPromptedModel Student { get; }

        public void Dispose()
        {
            Prompt.Dispose();
            Bank.Dispose();
            foreach (var t in Teachers) t.Dispose();
            Backbone.Dispose();
        }
    }

    private static List<TrainingExample> Examples() =>
        new[] { TinyT5.Majority(12, 0, 10, 11, 2, 3, 1, length: 5), TinyT5.Majority(10, 1, 12, 13, 4, 5, 1, length: 7), TinyT5.Majority(8, 2, 14, 15, 3, 2, 1, length: 9) }
            .SelectMany(task => task.Select((e, i) => i % 3 == 0 ? e with { LabelIds = [e.LabelIds[0], .. e.LabelIds] } : e))
            .ToList();

    private static int DistinctCount(IEnumerable<TrainingExample> examples) =>
        examples.DistinctBy(e => $"{e.TaskId}|{string.Join(" ", e.InputIds)}|{string.Join(" ", e.LabelIds)}").Count();

    /// <summary>An epoch's batches (of examples; collate them inside the step's dispose scope).</summary>
    private static IEnumerable<List<TrainingExample>> Batches(List<TrainingExample> examples, int epoch, int size = 5)
    {
        var order = examples.ToList();
        new Random(epoch).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(order));
        for (int start = 0; start < order.Count; start += size)
            yield return order.GetRange(start, Math.Min(size, order.Count - start));
    }

    private static PromptBatch Collate(List<TrainingExample> rows) => new BatchCollator(0, TinyT5.Eos).Collate(rows);

    private string CachePath => Path.Combine(_dir.FullName, Distiller.TeacherCacheFileName);

    [Fact]
    public void Should_Give_The_Exact_Losses_From_Disk_When_K_Is_The_Vocabulary_With_No_Tensor_Left_Alive()
    {
        // Given: k = V = 64, so the lumped tail is empty and the KL is the exact one (up to summation order)
        using var rig = new Rig(topK: 64);
        using var cache = rig.Distiller.CreateTeacherCache(rig.Bank, _dir.FullName)!;
        var fresh = rig.Distiller.Objective(rig.Student, rig.Bank);
        var cached = rig.Distiller.Objective(rig.Student, rig.Bank, cache);
        var examples = Examples();
        long? baseline = null;
        double maxDiff = 0;

        // When: three epochs in different orders and batch compositions
        for (int epoch = 0; epoch < 3; epoch++)
            foreach (var rows in Batches(examples, epoch))
            {
                using (var scope = torch.NewDisposeScope())
                {
                    var batch = Collate(rows);
                    var want = fresh(batch);
                    var got = cached(batch);
                    foreach (var (name, value) in want.Parts.Append(new("total", want.Total)))
                    {
                        double w = value.item<float>(), g = (name == "total" ? got.Total : got.Parts[name]).item<float>();
                        maxDiff = Math.Max(maxDiff, Math.Abs(w - g));
                        Assert.True(Math.Abs(w - g) <= LossBound, $"epoch {epoch}: {name} cached {g:R} vs fresh {w:R}");
                    }
                }
                // Then: the disk store holds no tensor between steps (the live count is flat from the first step on)
                long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                baseline ??= live;
                Assert.Equal(baseline, live);
            }

        var stats = cache.Statistics;
        output.WriteLine($"k = V from disk: max |cached - fresh| {maxDiff:G3}; {stats.Examples} rows, {stats.TensorBytes} B in the file, {stats.ResidentBytes} B in RAM");
        Assert.True(stats.OnDisk);
        Assert.Equal(DistinctCount(examples), stats.Examples);
        Assert.Equal(stats.KeyBytes, stats.ResidentBytes);
        Assert.True(stats.TensorBytes > 0 && stats.TensorBytes < new FileInfo(CachePath).Length);
    }

    [Fact]
    public void Should_Stay_Within_The_Stated_Bound_At_Small_K()
    {
        // Given: k = 4 of 64 tokens, so most of the tail is lumped
        using var rig = new Rig(topK: 4);
        using var cache = rig.Distiller.CreateTeacherCache(rig.Bank, _dir.FullName)!;
        double maxError = 0, maxBound = 0, maxTail = 0;

        // When: two epochs; each batch's KL from the cache is compared with the exact KL of a fresh teacher pass
        for (int epoch = 0; epoch < 2; epoch++)
            foreach (var rows in Batches(Examples(), epoch))
            {
                using var scope = torch.NewDisposeScope();
                var batch = Collate(rows);
                var s = rig.Student.ForwardWithPrompts(batch, rig.Prompt.call(PromptTuningObjective.StudentTaskIds(rig.Prompt, batch)), outputHiddenStates: true);
                var fresh = TeacherTargets.FromOutput(rig.Bank.Forward(rig.Student, batch, outputHiddenStates: true));
                var got = cache.Targets(rig.Bank, rig.Student, batch, s);
                double exact = DistillationLosses.LogitKl(fresh.Logits!, s.Logits, s.LogitsMask).item<float>();
                double lumped = got.Kl(s.Logits, s.LogitsMask, 1.0, LossReduction.TokenMean, true).item<float>();

                // The stated bound: token mean of P · max_{v ∉ top k} log(p̄(v) / s̄(v))
                var p = torch.nn.functional.log_softmax(fresh.Logits!, -1);
                var q = torch.nn.functional.log_softmax(s.Logits, -1);
                var inTop = torch.zeros_like(p, dtype: ScalarType.Bool).scatter(-1, got.TopK!.Ids.to(ScalarType.Int64), torch.ones_like(got.TopK.Ids, dtype: ScalarType.Bool));
                var logP = p.masked_fill(inTop, float.NegativeInfinity).logsumexp(-1, keepdim: true);
                var logQ = q.masked_fill(inTop, float.NegativeInfinity).logsumexp(-1, keepdim: true);
                var ratio = ((p - logP) - (q - logQ)).masked_fill(inTop, float.NegativeInfinity).amax(-1);
                var mask = s.LogitsMask.ne(0);
                double bound = (logP.squeeze(-1).exp() * ratio).masked_fill(mask.logical_not(), 0).sum().item<float>() / mask.sum().item<long>();
                maxTail = Math.Max(maxTail, logP.squeeze(-1).exp().masked_fill(mask.logical_not(), 0).max().item<float>());

                // Then: 0 ≤ exact − lumped ≤ bound, and the hidden term is the fresh one (hidden states are stored exact)
                Assert.True(exact - lumped >= -LossBound, $"lumped KL {lumped} above the exact {exact}");
                Assert.True(exact - lumped <= bound + LossBound, $"error {exact - lumped} above the bound {bound}");
                for (int i = 0; i < 2; i++)
                {
                    var compared = s.HiddenStates![i].ComparedPositions(true);
                    double want = DistillationLosses.HiddenMse(fresh.HiddenStates![i].States, s.HiddenStates[i].States, compared).item<float>();
                    double have = DistillationLosses.HiddenMse(got.HiddenStates![i].States, s.HiddenStates[i].States, compared).item<float>();
                    Assert.True(Math.Abs(want - have) <= LossBound, $"hidden term {i}: cached {have} vs fresh {want}");
                }
                maxError = Math.Max(maxError, exact - lumped);
                maxBound = Math.Max(maxBound, bound);
            }
        output.WriteLine($"tiny T5, k = 4 of 64: max KL error {maxError:G3}, max bound {maxBound:G3}, max tail mass {maxTail:G3}");
        Assert.True(maxError > 0, "the tail was never lumped: the test would not see a wrong tail term");
    }

    [Fact]
    public void Should_Reopen_The_File_With_Every_Row_It_Holds()
    {
        // Given: a cache file filled by one epoch, and the targets it served for one batch
        using var rig = new Rig(topK: 8);
        var examples = Examples();
        var probeRows = Batches(examples, 7).First();
        Dictionary<string, float[]> Probe(TeacherOutputCache cache)
        {
            using var scope = torch.NewDisposeScope();
            var probe = Collate(probeRows);
            var s = rig.Student.ForwardWithPrompts(probe, rig.Prompt.call(PromptTuningObjective.StudentTaskIds(rig.Prompt, probe)), outputHiddenStates: true);
            var t = cache.Targets(rig.Bank, rig.Student, probe, s);
            return new()
            {
                ["ids"] = t.TopK!.Ids.to(ScalarType.Float32).flatten().data<float>().ToArray(),
                ["log_probs"] = t.TopK.LogProbs.flatten().data<float>().ToArray(),
                ["tail"] = t.TopK.TailLogMass.flatten().data<float>().ToArray(),
                ["encoder"] = t.HiddenStates![0].States[^1].flatten().data<float>().ToArray(),
                ["decoder"] = t.HiddenStates[1].States[^1].flatten().data<float>().ToArray(),
            };
        }
        Dictionary<string, float[]> before;
        using (var cache = rig.Distiller.CreateTeacherCache(rig.Bank, _dir.FullName)!)
        {
            foreach (var batch in Batches(examples, 0))
                using (var scope = torch.NewDisposeScope())
                    rig.Distiller.Objective(rig.Student, rig.Bank, cache)(Collate(batch));
            before = Probe(cache);
        }

        // When: the cache is opened again (a resumed run)
        using var reopened = rig.Distiller.CreateTeacherCache(rig.Bank, _dir.FullName)!;
        int held = reopened.Statistics.Examples;
        foreach (var batch in Batches(examples, 1))
            using (var scope = torch.NewDisposeScope())
                rig.Distiller.Objective(rig.Student, rig.Bank, reopened)(Collate(batch));
        var after = Probe(reopened);

        // Then: every row is there (no teacher pass needed) and serves the very same values
        Assert.Equal(DistinctCount(examples), held);
        Assert.Equal(0, reopened.Statistics.Misses);
        foreach (var (name, values) in before) Assert.Equal(values, after[name]);
    }

    [Fact]
    public void Should_Refuse_A_Truncated_File_By_Name()
    {
        using var rig = new Rig(topK: 8);
        Fill(rig);
        using (var file = new FileStream(CachePath, FileMode.Open)) file.SetLength(file.Length - 10);

        var error = Assert.Throws<InvalidDataException>(() => rig.Distiller.CreateTeacherCache(rig.Bank, _dir.FullName));

        Assert.Contains(CachePath, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Should_Drop_An_Unfinished_Append_And_Keep_The_Committed_Rows()
    {
        using var rig = new Rig(topK: 8);
        int rows = Fill(rig);
        long length = new FileInfo(CachePath).Length;
        using (var file = new FileStream(CachePath, FileMode.Append)) file.Write(new byte[333]);

        using var reopened = rig.Distiller.CreateTeacherCache(rig.Bank, _dir.FullName)!;

        Assert.Equal(rows, reopened.Statistics.Examples);
        Assert.Equal(length, new FileInfo(CachePath).Length);
    }

    [Fact]
    public void Should_Refuse_A_Damaged_Row_When_It_Is_Read()
    {
        // Given: one flipped byte inside the last record's values
        using var rig = new Rig(topK: 8);
        Fill(rig);
        using (var file = new FileStream(CachePath, FileMode.Open))
        {
            file.Position = file.Length - 40;
            int b = file.ReadByte();
            file.Position = file.Length - 40;
            file.WriteByte((byte)(b ^ 0x10));
        }

        // When: every example is served again
        using var reopened = rig.Distiller.CreateTeacherCache(rig.Bank, _dir.FullName)!;
        var error = Assert.Throws<InvalidDataException>(() =>
        {
            foreach (var batch in Batches(Examples(), 3))
                using (var scope = torch.NewDisposeScope())
                    rig.Distiller.Objective(rig.Student, rig.Bank, reopened)(Collate(batch));
        });

        // Then
        Assert.Contains(CachePath, error.Message);
        Assert.Contains("checksum", error.Message);
    }

    [Theory]
    [InlineData("teachers")]
    [InlineData("topk")]
    [InlineData("objective")]
    public void Should_Refuse_A_File_Made_For_Other_Rows(string change)
    {
        using (var first = new Rig(topK: 8)) Fill(first);
        using var rig = change switch
        {
            "teachers" => new Rig(topK: 8, teacherSeed: 5),
            "topk" => new Rig(topK: 16),
            _ => new Rig(topK: 8, objective: DistillationObjective.LogitsOnly),
        };

        var error = Assert.Throws<InvalidDataException>(() => rig.Distiller.CreateTeacherCache(rig.Bank, _dir.FullName));

        Assert.Contains(CachePath, error.Message);
        Assert.Contains("other rows", error.Message);
    }

    [Fact]
    public void Should_Refuse_A_File_That_Is_Not_A_Cache()
    {
        using var rig = new Rig(topK: 8);
        File.WriteAllText(CachePath, "{\"not\": \"a teacher cache\"}");

        var error = Assert.Throws<InvalidDataException>(() => rig.Distiller.CreateTeacherCache(rig.Bank, _dir.FullName));

        Assert.Contains(CachePath, error.Message);
    }

    [Fact]
    public void Should_Delete_A_Temporary_File_Without_A_Run_Folder()
    {
        using var rig = new Rig(topK: 8);
        var before = Directory.GetFiles(Path.GetTempPath(), "mpt-*-" + Distiller.TeacherCacheFileName).ToHashSet();
        using (var cache = rig.Distiller.CreateTeacherCache(rig.Bank)!)
        {
            using var scope = torch.NewDisposeScope();
            rig.Distiller.Objective(rig.Student, rig.Bank, cache)(Collate(Batches(Examples(), 0).First()));
            Assert.Single(Directory.GetFiles(Path.GetTempPath(), "mpt-*-" + Distiller.TeacherCacheFileName).Except(before));
        }
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "mpt-*-" + Distiller.TeacherCacheFileName).Except(before));
    }

    [Fact]
    public void Should_Resume_A_Run_From_Its_Cache_File_To_The_Prompt_Of_An_Uninterrupted_Run()
    {
        // Given: source training with the disk top-k cache in the run folder, uninterrupted and killed after step 4
        var tasks = new List<IReadOnlyList<TrainingExample>> { TinyT5.Majority(12, 0, 10, 11, 2, 3, 1), TinyT5.Majority(10, 1, 12, 13, 4, 5, 1), TinyT5.Majority(8, 2, 14, 15, 3, 2, 1) };
        int distinct = DistinctCount(tasks.SelectMany(t => t));
        var loop = new TrainingLoopOptions { Epochs = 3, BatchSize = 6, WarmupSteps = 2, CheckpointEverySteps = 2, LogEverySteps = 0, Seed = 5 };
        (Dictionary<string, float[]> Prompt, TeacherCacheStatistics Stats, bool Interrupted) Run(string folder, bool resume, long? stopAfter = null)
        {
            using var backbone = TinyT5.Create(dropout: 0.1);
            var teachers = Enumerable.Range(0, 3).Select(k => TargetPrompts.VocabularyInit(backbone, 4, (ulong)k + 1)).ToList();
            var distiller = new Distiller(backbone, new DistillationOptions
            {
                PromptLength = 4, CacheTeacherOutputs = true, TeacherCacheOnDisk = true, TeacherCacheTopK = 8, Loop = loop,
            });
            var result = distiller.Train(tasks, teachers, new TrainingHooks
            {
                Folder = new Mpt.Runs.RunFolder(folder), Resume = resume, StopAfterStep = s => s == stopAfter,
            });
            var prompt = result.Prompt.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().flatten().data<float>().ToArray());
            result.Prompt.Dispose();
            foreach (var t in teachers) t.Dispose();
            return (prompt, distiller.TeacherCache!, result.Training.Interrupted);
        }

        // When
        var full = Run(Path.Combine(_dir.FullName, "full"), resume: false);
        var killed = Run(Path.Combine(_dir.FullName, "resumed"), resume: false, stopAfter: 4);
        var resumed = Run(Path.Combine(_dir.FullName, "resumed"), resume: true);

        // Then: the resumed run reopened the rows of the killed one (its teacher ran only for the rest) and ends with the
        // uninterrupted run's prompt
        Assert.True(killed.Interrupted);
        Assert.True(File.Exists(Path.Combine(_dir.FullName, "resumed", Distiller.TeacherCacheFileName)));
        Assert.Equal(distinct, full.Stats.Misses);
        Assert.Equal(distinct, resumed.Stats.Examples);
        Assert.Equal(distinct - killed.Stats.Examples, resumed.Stats.Misses);
        Assert.InRange(killed.Stats.Examples, 1, distinct - 1);
        foreach (var (name, values) in full.Prompt) Assert.Equal(values, resumed.Prompt[name]);
    }

    /// <summary>One epoch through a fresh cache file; returns the rows it holds.</summary>
    private int Fill(Rig rig)
    {
        using var cache = rig.Distiller.CreateTeacherCache(rig.Bank, _dir.FullName)!;
        foreach (var batch in Batches(Examples(), 0))
            using (var scope = torch.NewDisposeScope())
                rig.Distiller.Objective(rig.Student, rig.Bank, cache)(Collate(batch));
        return cache.Statistics.Examples;
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
