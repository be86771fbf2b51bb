using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Training;

/// <summary>What one training step may and may not touch, mixed-task batches, and tensor lifetime over steps.</summary>
public sealed class TrainingLoopTests
{
    private static List<List<TrainingExample>> SourceTasks() =>
        [TinyT5.Majority(24, 0, 10, 11, 2, 3, 1), TinyT5.Majority(16, 1, 12, 13, 4, 5, 1), TinyT5.Majority(8, 2, 14, 15, 3, 2, 1)];

    private static TrainingLoopOptions Loop(long steps) => new() { MaxSteps = steps, BatchSize = 8, WarmupSteps = 2, LogEverySteps = 0 };

    private static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    [Fact]
    public void Should_Change_Only_Prompt_Parameters_And_Leave_No_Backbone_Gradient()
    {
        // Given
        using var scope = torch.NewDisposeScope();
        using var backbone = TinyT5.Create();
        var before = Snapshot(backbone);
        var distiller = new Distiller(backbone, new DistillationOptions { PromptLength = 4, Loop = Loop(2) });
        var teachers = Enumerable.Range(0, 3).Select(k => TargetPrompts.VocabularyInit(backbone, 4, (ulong)k)).ToList();

        // When: two distillation steps (teacher + student passes, KL + hidden losses)
        var result = distiller.Train(SourceTasks(), teachers, new TrainingHooks());

        // Then
        Assert.Equal(2, result.Training.StepsDone);
        Assert.All(backbone.named_parameters(), p =>
        {
            Assert.True(p.parameter.grad is null, $"backbone parameter {p.name} has a gradient");
            Assert.False(p.parameter.requires_grad, $"backbone parameter {p.name} is trainable");
            Assert.True(p.parameter.equal(before[p.name]).all().item<bool>(), $"backbone parameter {p.name} changed");
        });
        var prompt = Assert.IsType<MultitaskPrompt>(result.Prompt);
        using var fresh = (MultitaskPrompt)distiller.CreatePrompt(3);
        Assert.False(prompt.SharedPrompt.equal(fresh.SharedPrompt).all().item<bool>(), "P* did not change");
        Assert.False(prompt.TaskCols.equal(fresh.TaskCols).all().item<bool>(), "u did not change");
        Assert.False(prompt.TaskRows.equal(fresh.TaskRows).all().item<bool>(), "v did not change");
        Assert.True(teachers[0].Prompt.grad is null, "a teacher prompt received a gradient");
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Should_Keep_A_Frozen_Group_Unchanged_In_The_Target_Ablations(bool trainShared, bool trainTaskVectors)
    {
        using var scope = torch.NewDisposeScope();
        using var backbone = TinyT5.Create();
        using var source = MultitaskPrompt.Create(torch.randn(4, 32), numTasks: 3);
        using var prompt = (MultitaskPrompt)TargetPrompts.FromSource(source);
        var shared = prompt.SharedPrompt.detach().clone();
        var cols = prompt.TaskCols.detach().clone();
        var rates = trainShared ? AdaptationRates.OnlySharedPrompt : AdaptationRates.OnlyTaskVectors;
        var adapter = new TargetAdapter(backbone, new TargetAdaptationOptions { Rates = rates, Loop = Loop(3) });

        var result = adapter.Train(prompt, TinyT5.Majority(16, 0, 10, 11, 2, 3, 1), new TrainingHooks());

        Assert.Equal(!trainShared, prompt.SharedPrompt.equal(shared).all().item<bool>());
        Assert.Equal(!trainTaskVectors, prompt.TaskCols.equal(cols).all().item<bool>());
        Assert.Equal(trainShared ? 4 * 32 : 4 + 32, result.Training.Parameters.TrainableParameters);
        Assert.Equal(4 * 32 + 4 + 32, result.Training.Parameters.TotalParameters);
    }

    [Fact]
    public void Should_Give_Each_Row_Of_A_Mixed_Task_Batch_Its_Own_Teacher_Prompt()
    {
        // Given: three teachers and a batch mixing their tasks
        using var scope = torch.NewDisposeScope();
        using var backbone = TinyT5.Create();
        backbone.train(false);
        var teachers = Enumerable.Range(0, 3).Select(k => TargetPrompts.VocabularyInit(backbone, 4, (ulong)k + 1)).ToList();
        using var bank = new TeacherPromptBank(teachers);
        var examples = SourceTasks().SelectMany(t => t.Take(2)).ToList();
        var batch = new BatchCollator(0, 1).Collate(examples);

        // When
        var mixed = bank.Forward(backbone, batch, outputHiddenStates: false);

        // Then: row b equals what PromptedT5 with teacher task_b computes for that row alone
        for (int b = 0; b < examples.Count; b++)
        {
            var one = new BatchCollator(0, 1).Collate([examples[b] with { TaskId = 0 }]);
            var t = examples[b].TaskId;
            var single = new PromptedT5(backbone, teachers[t]).Forward(one.InputIds, one.AttentionMask, one.TaskIds, one.Labels);
            long len = one.Labels.shape[1];
            var rowLogits = mixed.Logits[b].narrow(0, 0, len);
            Assert.True(rowLogits.allclose(single.Logits[0], rtol: 1e-4, atol: 1e-5), $"row {b} (task {t}) differs from its teacher alone");
        }
        Assert.True(teachers.All(p => p.Prompt.grad is null));
    }

    [Theory]
    [InlineData(DistillationObjective.LogitsAndHidden, new[] { "task", "kl", "hidden" })]
    [InlineData(DistillationObjective.LogitsOnly, new[] { "task", "kl" })]
    [InlineData(DistillationObjective.None, new[] { "task" })]
    [InlineData(DistillationObjective.PromptMse, new[] { "task", "prompt_mse" })]
    public void Should_Log_The_Terms_Of_Each_Distillation_Objective(DistillationObjective objective, string[] terms)
    {
        using var scope = torch.NewDisposeScope();
        using var backbone = TinyT5.Create();
        var teachers = objective == DistillationObjective.None ? [] : Enumerable.Range(0, 3).Select(k => TargetPrompts.VocabularyInit(backbone, 4, (ulong)k)).ToList();
        var logs = new List<TrainingLogEntry>();
        var distiller = new Distiller(backbone, new DistillationOptions { PromptLength = 4, Objective = objective, Loop = Loop(1) });

        var result = distiller.Train(SourceTasks(), teachers, new TrainingHooks { Log = logs.Add });

        var entry = Assert.Single(logs);
        Assert.Equal(terms.Order(), entry.Parts.Keys.Order());
        double expected = objective switch
        {
            DistillationObjective.LogitsAndHidden => entry.Parts["task"] + 0.9 * (entry.Parts["kl"] + entry.Parts["hidden"]),
            DistillationObjective.LogitsOnly => entry.Parts["task"] + 0.9 * entry.Parts["kl"],
            DistillationObjective.PromptMse => entry.Parts["task"] + 0.9 * entry.Parts["prompt_mse"],
            _ => entry.Parts["task"],
        };
        Assert.Equal(expected, entry.Loss!.Value, 4);
        Assert.All(entry.Parts.Values, v => Assert.True(v > 0, $"a loss term is {v}"));
        Assert.IsType<MultitaskPrompt>(result.Prompt);
    }

    [Fact]
    public void Should_Train_One_Shared_Plain_Prompt_Without_Decomposition()
    {
        using var scope = torch.NewDisposeScope();
        using var backbone = TinyT5.Create();
        var teachers = Enumerable.Range(0, 3).Select(k => TargetPrompts.VocabularyInit(backbone, 4, (ulong)k)).ToList();
        var distiller = new Distiller(backbone, new DistillationOptions { PromptLength = 4, Decomposition = false, StochasticTaskSampling = false, Loop = Loop(2) });

        var result = distiller.Train(SourceTasks(), teachers, new TrainingHooks());

        var prompt = Assert.IsType<SoftPrompt>(result.Prompt);
        Assert.Equal(4 * 32, result.Training.Parameters.TrainableParameters);
        var target = Assert.IsType<SoftPrompt>(TargetPrompts.FromSource(prompt));
        Assert.True(target.Prompt.equal(prompt.Prompt).all().item<bool>());
        Assert.Throws<ArgumentException>(() => TargetPrompts.FromSource(prompt, numTargets: 2));
    }

    [Fact]
    public void Should_Keep_The_Live_Tensor_Count_Flat_Over_Distillation_Steps()
    {
        // Given: the distillation stage (the heaviest objective), one scope per step inside the loop
        using var backbone = TinyT5.Create();
        var teachers = Enumerable.Range(0, 3).Select(k => TargetPrompts.VocabularyInit(backbone, 4, (ulong)k)).ToList();
        var counts = new List<long>();
        var distiller = new Distiller(backbone, new DistillationOptions { PromptLength = 4, Loop = Loop(25) with { LogEverySteps = 1 } });

        // When
        distiller.Train(SourceTasks(), teachers, new TrainingHooks { Log = _ => counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount) });

        // Then: after AdamW allocated its state in the first step, the count does not move
        Assert.Equal(25, counts.Count);
        Assert.All(counts.Skip(2), c => Assert.Equal(counts[1], c));
        foreach (var t in teachers) t.Dispose();
    }

    [Fact]
    public void Should_Keep_The_Best_Dev_Prompt_And_Report_It()
    {
        using var scope = torch.NewDisposeScope();
        using var backbone = TinyT5.Create();
        var trainer = new TeacherTrainer(backbone, new TeacherOptions { PromptLength = 4, Loop = Loop(6) with { EvalEverySteps = 1 } });
        using var prompt = trainer.CreatePrompt();
        var snapshots = new List<Tensor>();
        // A fake dev score that peaks at step 3 (the evaluator is someone else's: the trainer only needs a number).
        double[] scores = [0.1, 0.2, 0.9, 0.3, 0.4, 0.5];
        var result = trainer.Train(TinyT5.Majority(16, 0, 10, 11, 2, 3, 1), new TrainingHooks
        {
            Evaluate = m => { snapshots.Add(((SoftPrompt)m.Prompt).Prompt.detach().clone()); return scores[snapshots.Count - 1]; },
        }, prompt);

        Assert.Equal(0.9, result.Training.BestScore);
        Assert.Equal(3, result.Training.BestStep);
        Assert.True(prompt.Prompt.equal(snapshots[2]).all().item<bool>(), "the prompt is not the best-dev one");
    }
}
