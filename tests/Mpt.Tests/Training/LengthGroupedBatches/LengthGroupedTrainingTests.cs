using Mpt.Prompts;
using Mpt.Runs;
using TorchSharp;
using Mpt.Training;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Training.LengthGroupedBatches;

/// <summary>
/// The stages with <see cref="TrainingLoopOptions.LengthGroupFactor"/> on, on the tiny T5: the option reaches the batch
/// sources of teachers, distillation and target adaptation, tensor lifetime stays flat, and a grouped run resumes exactly
/// (and only with grouping).
/// </summary>
public sealed class LengthGroupedTrainingTests
{
    // Majority examples of 3, 7 and 15 tokens (+ eos): a mixed-length pool of 48, so factor 50 is capped to 48 / (4·4) = 3.
    private static List<TrainingExample> MixedPool(int taskId = 0, long labelA = 2, long labelB = 3) =>
        [.. new[] { 3, 7, 15 }.SelectMany(n => TinyT5.Majority(16, taskId, 10, 11, labelA, labelB, seed: (ulong)n, length: n))];

    private static TrainingLoopOptions Loop(int groupFactor) => new()
    {
        MaxSteps = 12, BatchSize = 4, WarmupSteps = 2, LogEverySteps = 1, Seed = 3, BackboneDropout = false,
        CheckpointEverySteps = 3, LengthGroupFactor = groupFactor,
    };

    private static bool SameTensors(IReadOnlyDictionary<string, Tensor> a, IReadOnlyDictionary<string, Tensor> b) =>
        a.Keys.Order().SequenceEqual(b.Keys.Order()) && a.All(kv => kv.Value.shape.SequenceEqual(b[kv.Key].shape) && kv.Value.equal(b[kv.Key]).all().item<bool>());

    [Fact]
    public void Should_Train_A_Teacher_On_Grouped_Batches_With_A_Flat_Live_Tensor_Count()
    {
        // Given
        using var scope = torch.NewDisposeScope();
        using var backbone = TinyT5.Create(dropout: 0.0);
        var pool = MixedPool();
        var counts = new List<long>();

        // When: the same teacher run with grouping off and on (dropout off, so only the batches differ)
        var plain = new TeacherTrainer(backbone, new TeacherOptions { PromptLength = 4, Loop = Loop(0) }).Train(pool, new TrainingHooks());
        var grouped = new TeacherTrainer(backbone, new TeacherOptions { PromptLength = 4, Loop = Loop(50) })
            .Train(pool, new TrainingHooks { Log = _ => counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount) });

        // Then: it trains every step, the batches (hence the prompt) differ from the plain order, and no tensor leaks
        Assert.Equal(12, grouped.Training.StepsDone);
        Assert.All(grouped.Training.StepLosses, l => Assert.True(double.IsFinite(l)));
        Assert.False(SameTensors(plain.Prompt.PeftTensors(), grouped.Prompt.PeftTensors()), "grouping did not change the teacher's batches");
        Assert.Equal(12, counts.Count);
        Assert.All(counts.Skip(2), c => Assert.Equal(counts[1], c));
    }

    [Fact]
    public void Should_Pass_The_Option_To_Distillation_And_Target_Batch_Sources()
    {
        using var scope = torch.NewDisposeScope();
        using var backbone = TinyT5.Create(dropout: 0.0);
        List<List<TrainingExample>> tasks = [MixedPool(0, 2, 3), MixedPool(1, 4, 5)];
        var teachers = Enumerable.Range(0, 2).Select(k => TargetPrompts.VocabularyInit(backbone, 4, (ulong)k)).ToList();

        // Distillation: per-task streams grouped
        Dictionary<string, Tensor> Distill(int factor) =>
            new Distiller(backbone, new DistillationOptions { PromptLength = 4, Loop = Loop(factor) with { MaxSteps = 6 } })
                .Train(tasks, teachers, new TrainingHooks()).Prompt.PeftTensors().ToDictionary();
        Assert.False(SameTensors(Distill(0), Distill(50)), "grouping did not change the distillation batches");

        // Target adaptation (one pool of both targets' examples, as MPT* trains)
        var pool = tasks.SelectMany(t => t).ToList();
        Dictionary<string, Tensor> Adapt(int factor)
        {
            var prompt = TargetPrompts.FromSource(teachers[0]);
            return new TargetAdapter(backbone, new TargetAdaptationOptions { Loop = Loop(factor) with { MaxSteps = 6 } })
                .Train(prompt, pool.Select(e => e with { TaskId = 0 }).ToList(), new TrainingHooks()).Prompt.PeftTensors().ToDictionary();
        }
        Assert.False(SameTensors(Adapt(0), Adapt(50)), "grouping did not change the target batches");
        foreach (var t in teachers) t.Dispose();
    }

    [Fact]
    public void Should_Resume_A_Grouped_Teacher_Run_Exactly_And_Refuse_To_Resume_It_Without_Grouping()
    {
        // Given: an uninterrupted grouped run and one stopped after step 7 (checkpoint at step 6, mid-epoch: 12 batches per epoch)
        using var scope = torch.NewDisposeScope();
        using var backbone = TinyT5.Create(dropout: 0.1);
        using var dir = new TempRunDirectory();
        var pool = MixedPool();
        StageResult<SoftPrompt> Run(int factor, TrainingHooks hooks) =>
            new TeacherTrainer(backbone, new TeacherOptions { PromptLength = 4, Loop = Loop(factor) }).Train(pool, hooks);
        var full = Run(50, new TrainingHooks { Folder = new RunFolder(dir.Sub("full")) }).Prompt.PeftTensors().ToDictionary();
        var killed = Run(50, new TrainingHooks { Folder = new RunFolder(dir.Sub("resumed")), StopAfterStep = s => s == 7 });
        Assert.True(killed.Training.Interrupted);

        // When: resuming without grouping, then with it
        var refused = Assert.Throws<InvalidOperationException>(() => Run(0, new TrainingHooks { Folder = new RunFolder(dir.Sub("resumed")), Resume = true }));
        torch.random.manual_seed(12345);
        var resumed = Run(50, new TrainingHooks { Folder = new RunFolder(dir.Sub("resumed")), Resume = true });

        // Then: the stored options name the setting, and the resumed run ends with the uninterrupted run's prompt
        Assert.Contains("other options", refused.Message);
        Assert.Contains(nameof(TrainingLoopOptions.LengthGroupFactor), refused.Message);
        Assert.Equal(6, resumed.Training.ResumedFromStep);
        Assert.True(SameTensors(full, resumed.Prompt.PeftTensors().ToDictionary()), "the resumed grouped run ended with another prompt");
    }
}
