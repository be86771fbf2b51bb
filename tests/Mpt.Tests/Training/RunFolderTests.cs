using Mpt.Prompts;
using Mpt.Runs;
using Mpt.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Training;

public sealed class RunFolderTests
{
    private static TrainingLoopOptions Loop(long steps) => new() { MaxSteps = steps, BatchSize = 4, WarmupSteps = 1, LogEverySteps = 0, CheckpointEverySteps = 2 };

    [Fact]
    public void Should_Write_A_Complete_Checkpoint_With_Peft_Names_And_No_Leftover_Temporaries()
    {
        using var scope = torch.NewDisposeScope();
        using var dir = new TempRunDirectory();
        using var backbone = TinyT5.Create();
        var folder = new RunFolder(dir.Path);
        using var source = MultitaskPrompt.Create(torch.randn(4, 32), numTasks: 2);
        new TargetAdapter(backbone, new TargetAdaptationOptions { Loop = Loop(3) })
            .Train(TargetPrompts.FromSource(source), TinyT5.Majority(8, 0, 10, 11, 2, 3, 1), new TrainingHooks { Folder = folder, StopAfterStep = s => s == 2 });

        Assert.True(folder.HasCheckpoint);
        string cp = Path.Combine(dir.Path, RunFolder.CheckpointDir);
        Assert.Equal(
            new[] { RunFolder.OptimizerFile, RunFolder.PromptFile, RunFolder.RngFile, RunFolder.TrainerStateFile }.Order(StringComparer.Ordinal),
            Directory.GetFiles(cp).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.False(Directory.Exists(cp + ".tmp"));
        Assert.False(Directory.Exists(cp + ".old"));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories));
        using var checkpoint = folder.LoadCheckpoint();
        Assert.Equal(2, checkpoint.Step);
        Assert.Equal(new[] { "prefix_task_cols", "prefix_task_rows", "prompt_embeddings" }, checkpoint.Prompt.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(9, checkpoint.Optimizer.Count); // exp_avg, exp_avg_sq, step for P*, u, v
        Assert.Equal(2, checkpoint.Optimizer["state.0.step"].item<long>());
        Assert.True(File.Exists(Path.Combine(dir.Path, RunFolder.ConfigFile)));
    }

    [Fact]
    public void Should_Fall_Back_To_The_Previous_Checkpoint_When_A_Swap_Was_Interrupted()
    {
        using var scope = torch.NewDisposeScope();
        using var dir = new TempRunDirectory();
        using var backbone = TinyT5.Create();
        var folder = new RunFolder(dir.Path);
        new TeacherTrainer(backbone, new TeacherOptions { PromptLength = 4, Loop = Loop(3) })
            .Train(TinyT5.Majority(8, 0, 10, 11, 2, 3, 1), new TrainingHooks { Folder = folder, StopAfterStep = s => s == 2 });
        // Simulate a crash between "current → old" and "tmp → current": only checkpoint.old/ is complete, plus a half tmp.
        string cp = Path.Combine(dir.Path, RunFolder.CheckpointDir);
        Directory.Move(cp, cp + ".old");
        Directory.CreateDirectory(cp + ".tmp");
        File.WriteAllText(Path.Combine(cp + ".tmp", RunFolder.PromptFile), "half");

        Assert.True(folder.HasCheckpoint);
        using var checkpoint = folder.LoadCheckpoint();
        Assert.Equal(2, checkpoint.Step);
    }

    [Fact]
    public void Should_Refuse_A_Fresh_Run_Over_A_Checkpoint_And_A_Resume_With_Other_Options()
    {
        using var scope = torch.NewDisposeScope();
        using var dir = new TempRunDirectory();
        using var backbone = TinyT5.Create();
        var data = TinyT5.Majority(8, 0, 10, 11, 2, 3, 1);
        new TeacherTrainer(backbone, new TeacherOptions { PromptLength = 4, Loop = Loop(3) })
            .Train(data, new TrainingHooks { Folder = new RunFolder(dir.Path), StopAfterStep = s => s == 2 });

        var fresh = Assert.Throws<InvalidOperationException>(() => new TeacherTrainer(backbone, new TeacherOptions { PromptLength = 4, Loop = Loop(3) })
            .Train(data, new TrainingHooks { Folder = new RunFolder(dir.Path) }));
        Assert.Contains("already holds a checkpoint", fresh.Message);
        var other = Assert.Throws<InvalidOperationException>(() => new TeacherTrainer(backbone, new TeacherOptions { PromptLength = 4, LearningRate = 0.1, Loop = Loop(3) })
            .Train(data, new TrainingHooks { Folder = new RunFolder(dir.Path), Resume = true }));
        Assert.Contains("other options", other.Message);
    }

    [Fact]
    public void Should_Round_Trip_AdamW_State_Exactly()
    {
        using var scope = torch.NewDisposeScope();
        using var prompt = MultitaskPrompt.Create(torch.randn(3, 5), numTasks: 2);
        using var optimizer = new PromptOptimizer(prompt, PromptLearningRates.TargetAdaptation);
        for (int i = 0; i < 3; i++)
        {
            prompt.call(torch.tensor(new long[] { 0, 1 })).square().sum().backward();
            optimizer.Step();
            optimizer.ZeroGrad();
        }
        using var dir = new TempRunDirectory();
        string file = dir.Sub("opt.safetensors");
        Mpt.Checkpoints.SafetensorsFile.Write(file, OptimizerStateTensors.Save(optimizer));

        using var other = MultitaskPrompt.Create(torch.randn(3, 5), numTasks: 2);
        using var restored = new PromptOptimizer(other, PromptLearningRates.TargetAdaptation);
        OptimizerStateTensors.Load(restored, Mpt.Checkpoints.SafetensorsFile.Read(file), file);

        var want = optimizer.Optimizer.state_dict().State.Cast<TorchSharp.Modules.AdamW.State>().ToList();
        var got = restored.Optimizer.state_dict().State.Cast<TorchSharp.Modules.AdamW.State>().ToList();
        Assert.Equal(3, got.Count);
        for (int i = 0; i < want.Count; i++)
        {
            Assert.Equal(3, got[i].step);
            Assert.True(want[i].exp_avg.equal(got[i].exp_avg).all().item<bool>());
            Assert.True(want[i].exp_avg_sq.equal(got[i].exp_avg_sq).all().item<bool>());
        }
        using var single = new SoftPrompt(torch.randn(3, 5));
        using var mismatched = new PromptOptimizer(single, AdaptationRates.PromptTuning);
        Assert.Throws<InvalidDataException>(() => OptimizerStateTensors.Load(mismatched, Mpt.Checkpoints.SafetensorsFile.Read(file), file));
    }
}
