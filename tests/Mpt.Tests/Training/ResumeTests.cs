using Mpt.Checkpoints;
using Mpt.Prompts;
using Mpt.Runs;
using Mpt.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Training;

/// <summary>
/// A run stopped after any step and resumed from its last checkpoint in a new trainer ends with exactly the prompt of an
/// uninterrupted run (same seed), for every stage — with backbone dropout on, so the torch generator state matters.
/// </summary>
public sealed class ResumeTests
{
    private const int Steps = 9;

    private static TrainingLoopOptions Loop() => new()
    {
        MaxSteps = Steps, BatchSize = 8, WarmupSteps = 3, CheckpointEverySteps = 3, EvalEverySteps = 4, LogEverySteps = 0, Seed = 11,
        BackboneDropout = true,
    };

    private static List<List<TrainingExample>> SourceTasks() =>
        [TinyT5.Majority(20, 0, 10, 11, 2, 3, 1), TinyT5.Majority(12, 1, 12, 13, 4, 5, 1), TinyT5.Majority(9, 2, 14, 15, 3, 2, 1)];

    // A dev "score" that depends on the prompt values, so keep-best decisions are part of what must resume exactly.
    private static double Score(PromptedT5 model)
    {
        using var scope = torch.NewDisposeScope();
        return model.Prompt.parameters().Sum(p => p.detach().sin().sum().item<float>());
    }

    /// <summary>Runs <paramref name="stage"/> uninterrupted, then stopped after <paramref name="stopAfter"/> and resumed in a new instance; returns both final prompts.</summary>
    private static (Dictionary<string, Tensor> Uninterrupted, Dictionary<string, Tensor> Resumed, TrainingResult First, TrainingResult Second)
        RunTwice(Func<TrainingHooks, StageResult<PromptEncoder>> stage, long stopAfter)
    {
        using var dir = new TempRunDirectory();
        var full = stage(new TrainingHooks { Evaluate = Score, Folder = new RunFolder(dir.Sub("full")) });
        var uninterrupted = full.Prompt.PeftTensors().ToDictionary();

        var killed = stage(new TrainingHooks { Evaluate = Score, Folder = new RunFolder(dir.Sub("resumed")), StopAfterStep = s => s == stopAfter });
        Assert.True(killed.Training.Interrupted);
        Assert.Equal(stopAfter, killed.Training.StepsDone);
        // Disturb the global generator, as a new process would have a different state.
        torch.random.manual_seed(12345);
        var resumed = stage(new TrainingHooks { Evaluate = Score, Folder = new RunFolder(dir.Sub("resumed")), Resume = true });
        Assert.False(resumed.Training.Interrupted);
        // Killed before the first checkpoint (step 3), the resumed run starts from scratch.
        Assert.Equal(stopAfter < 3 ? null : stopAfter / 3 * 3, resumed.Training.ResumedFromStep);
        var final = SafetensorsFile.Read(Path.Combine(dir.Sub("resumed"), RunFolder.PromptFile));
        AssertBitEqual(resumed.Prompt.PeftTensors().ToDictionary(), final, "written prompt file");
        return (uninterrupted, resumed.Prompt.PeftTensors().ToDictionary(), full.Training, resumed.Training);
    }

    private static void AssertBitEqual(IReadOnlyDictionary<string, Tensor> want, IReadOnlyDictionary<string, Tensor> got, string what)
    {
        Assert.Equal(want.Keys.Order(), got.Keys.Order());
        foreach (var (name, w) in want)
            Assert.True(w.shape.SequenceEqual(got[name].shape) && w.equal(got[name]).all().item<bool>(), $"{what}: tensor {name} differs");
    }

    [Fact]
    public void Should_Checkpoint_At_The_Current_Step_When_A_Stop_Is_Requested_And_Resume_To_The_Same_Prompt()
    {
        using var scope = torch.NewDisposeScope();
        using var backbone = TinyT5.Create(dropout: 0.1);
        using var dir = new TempRunDirectory();
        var data = TinyT5.Majority(20, 0, 10, 11, 2, 3, 1);
        StageResult<SoftPrompt> Run(TrainingHooks hooks) =>
            new TeacherTrainer(backbone, new TeacherOptions { PromptLength = 4, Loop = Loop() }).Train(data, hooks);
        var full = Run(new TrainingHooks { Evaluate = Score, Folder = new RunFolder(dir.Sub("full")) }).Prompt.PeftTensors().ToDictionary();

        // Given: a Ctrl+C arriving during step 5, between the checkpoints of steps 3 and 6
        long polls = 0; // polled once after every step
        var stopped = Run(new TrainingHooks { Evaluate = Score, Folder = new RunFolder(dir.Sub("stopped")), StopRequested = () => ++polls >= 5 });
        Assert.True(stopped.Training.Interrupted);
        Assert.Equal(5, stopped.Training.StepsDone);

        // When
        torch.random.manual_seed(12345);
        var resumed = Run(new TrainingHooks { Evaluate = Score, Folder = new RunFolder(dir.Sub("stopped")), Resume = true });

        // Then: the stop wrote a checkpoint at step 5 itself, and the resumed run ends where the uninterrupted one did
        Assert.Equal(5, resumed.Training.ResumedFromStep);
        AssertBitEqual(full, resumed.Prompt.PeftTensors().ToDictionary(), "teacher stopped by request at step 5");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(7)]
    public void Should_Resume_A_Teacher_Run_To_The_Same_Prompt(long stopAfter)
    {
        using var scope = torch.NewDisposeScope();
        using var backbone = TinyT5.Create(dropout: 0.1);
        var data = TinyT5.Majority(20, 0, 10, 11, 2, 3, 1);
        var (a, b, first, second) = RunTwice(hooks => 
        {
            var r = new TeacherTrainer(backbone, new TeacherOptions { PromptLength = 4, Loop = Loop() }).Train(data, hooks);
            return new StageResult<PromptEncoder>(r.Prompt, r.Training);
        }, stopAfter);
        AssertBitEqual(a, b, $"teacher stopped after step {stopAfter}");
        Assert.Equal(first.BestScore, second.BestScore);
        Assert.Equal(first.BestStep, second.BestStep);
    }

    [Theory]
    [InlineData(DistillationObjective.LogitsAndHidden, 5)]
    [InlineData(DistillationObjective.None, 4)]
    [InlineData(DistillationObjective.PromptMse, 2)]
    public void Should_Resume_A_Distillation_Run_To_The_Same_Prompt(DistillationObjective objective, long stopAfter)
    {
        using var scope = torch.NewDisposeScope();
        using var backbone = TinyT5.Create(dropout: 0.1);
        var teachers = Enumerable.Range(0, 3).Select(k => TargetPrompts.VocabularyInit(backbone, 4, (ulong)k)).ToList();
        var options = new DistillationOptions { PromptLength = 4, Objective = objective, Loop = Loop() };
        var (a, b, _, _) = RunTwice(hooks => new Distiller(backbone, options).Train(SourceTasks(), teachers, hooks), stopAfter);
        AssertBitEqual(a, b, $"distillation ({objective}) stopped after step {stopAfter}");
    }

    [Fact]
    public void Should_Resume_A_Multi_Target_Adaptation_Run_To_The_Same_Prompt()
    {
        using var scope = torch.NewDisposeScope();
        using var backbone = TinyT5.Create(dropout: 0.1);
        using var source = MultitaskPrompt.Create(torch.randn(4, 32), numTasks: 3, taskVectorInit: TaskVectorInit.PeftNormal, seed: 2);
        var data = TinyT5.Majority(12, 0, 10, 11, 2, 3, 1).Concat(TinyT5.Majority(12, 1, 10, 11, 5, 4, 1)).ToList();
        var (a, b, _, _) = RunTwice(hooks => new TargetAdapter(backbone, new TargetAdaptationOptions { Loop = Loop() })
            .Train(TargetPrompts.FromSource(source, numTargets: 2), data, hooks), stopAfter: 8);
        AssertBitEqual(a, b, "multi-target adaptation stopped after step 8");
    }

    [Fact]
    public void Should_Depend_On_The_Generator_State_So_The_Resume_Tests_Are_Sensitive()
    {
        // Dropout makes the result depend on torch's generator: disturbing it mid-run (as a resume that forgot to restore
        // it would) changes the final prompt, while two undisturbed runs with one seed agree.
        using var scope = torch.NewDisposeScope();
        using var backbone = TinyT5.Create(dropout: 0.1);
        var data = TinyT5.Majority(20, 0, 10, 11, 2, 3, 1);
        var trainer = new TeacherTrainer(backbone, new TeacherOptions { PromptLength = 4, Loop = Loop() });
        var one = trainer.Train(data, new TrainingHooks()).Prompt;
        var same = trainer.Train(data, new TrainingHooks()).Prompt;
        var disturbed = trainer.Train(data, new TrainingHooks { StopAfterStep = s => { if (s == 4) torch.random.manual_seed(999); return false; } }).Prompt;
        Assert.True(one.Prompt.equal(same.Prompt).all().item<bool>(), "two runs with one seed differ");
        Assert.False(one.Prompt.equal(disturbed.Prompt).all().item<bool>(), "the generator state does not influence training");
    }
}
