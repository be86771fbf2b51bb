using System.Diagnostics;
using Mpt.Prompts;
using Mpt.Tests.Training;
using Mpt.Training;
using Xunit;
using Xunit.Abstractions;

namespace Mpt.Tests.EndToEnd;

/// <summary>
/// The whole MPT method on a tiny random T5 and synthetic learnable tasks: teachers per source task → decomposed-prompt
/// distillation → target adaptation (MPT and MPT*), scored by greedy generation and exact match.
/// </summary>
public sealed class MptEndToEndTests(ITestOutputHelper output)
{
    // Every task asks "which of tokens 10 and 11 is the majority of the input?" and answers with its own label words, so
    // without the task's instruction the answer is a coin flip (chance = 50 %). The backbone is pre-trained on the tasks
    // with an explicit instruction token in front; prompt tuning runs without it, so the prompt must take its place.
    private static readonly (long Instruction, long A, long B, long LabelA, long LabelB)[] Sources = [(6, 10, 11, 2, 3), (7, 10, 11, 3, 2), (8, 10, 11, 4, 5)];
    private static readonly (long Instruction, long A, long B, long LabelA, long LabelB)[] Targets = [(9, 10, 11, 5, 4), (18, 10, 11, 5, 2)];

    private static TrainingLoopOptions Loop(long steps, int eval = 0) => new()
    {
        MaxSteps = steps, BatchSize = 16, WarmupSteps = 10, BackboneDropout = false, EvalEverySteps = eval, LogEverySteps = 0, Seed = 3,
    };

    [Fact]
    public void Should_Learn_Target_Tasks_Through_Teachers_Distillation_And_Adaptation()
    {
        var clock = Stopwatch.StartNew();
        using var backbone = TinyT5.Pretrained([.. Sources, .. Targets], steps: 200);
        output.WriteLine($"backbone pre-trained in {clock.Elapsed.TotalSeconds:F1} s");
        const int l = 8;
        var sourceTrain = Sources.Select((t, k) => TinyT5.Majority(256, k, t.A, t.B, t.LabelA, t.LabelB, seed: 1)).ToList();
        var sourceDev = Sources.Select((t, k) => TinyT5.Majority(64, k, t.A, t.B, t.LabelA, t.LabelB, seed: 2)).ToList();

        // 1. Teachers: vanilla prompt tuning per source task, best dev prompt kept.
        var teachers = new List<SoftPrompt>();
        for (int k = 0; k < Sources.Length; k++)
        {
            var dev = sourceDev[k].Select(e => e with { TaskId = 0 }).ToList();
            var trainer = new TeacherTrainer(backbone, new TeacherOptions { PromptLength = l, Loop = Loop(60, eval: 20) with { Seed = (ulong)k + 10 } });
            var result = trainer.Train(sourceTrain[k], new TrainingHooks { Evaluate = m => GreedyAccuracy.Of(m, dev) });
            output.WriteLine($"teacher {k}: dev {result.Training.BestScore:F3} at step {result.Training.BestStep}, loss {result.Training.MeanLossOfFirst(10):F3} -> {result.Training.MeanLossOfLast(10):F3}, {result.Training.MeanStepMilliseconds:F1} ms/step; {result.Training.Parameters}");
            Assert.True(result.Training.MeanLossOfLast(10) < 0.5 * result.Training.MeanLossOfFirst(10), $"teacher {k} loss did not fall");
            Assert.True(result.Training.BestScore >= 0.8, $"teacher {k} dev accuracy {result.Training.BestScore}");
            teachers.Add(result.Prompt);
        }
        output.WriteLine($"teachers done at {clock.Elapsed.TotalSeconds:F1} s");

        // 2. Source training: decomposed prompt distilled from the teachers on mixed-task batches.
        var distiller = new Distiller(backbone, new DistillationOptions { PromptLength = l, Loop = Loop(100) });
        var distilled = distiller.Train(sourceTrain, teachers, new TrainingHooks());
        var source = Assert.IsType<MultitaskPrompt>(distilled.Prompt);
        var studentModel = new PromptedT5(backbone, source);
        var sourceAccuracy = sourceDev.Select(d => GreedyAccuracy.Of(studentModel, d)).ToList();
        output.WriteLine($"distillation: loss {distilled.Training.MeanLossOfFirst(10):F3} -> {distilled.Training.MeanLossOfLast(10):F3}, {distilled.Training.MeanStepMilliseconds:F1} ms/step; source dev {string.Join(", ", sourceAccuracy.Select(a => a.ToString("F3")))}; {distilled.Training.Parameters}");
        Assert.True(distilled.Training.MeanLossOfLast(10) < 0.7 * distilled.Training.MeanLossOfFirst(10), "distillation loss did not fall");
        output.WriteLine($"distillation done at {clock.Elapsed.TotalSeconds:F1} s");

        // 3. Target adaptation, one target at a time (MPT), from P* and the averaged u, v.
        var targetTrain = Targets.Select((t, k) => TinyT5.Majority(128, k, t.A, t.B, t.LabelA, t.LabelB, seed: 4)).ToList();
        var targetDev = Targets.Select((t, k) => TinyT5.Majority(100, k, t.A, t.B, t.LabelA, t.LabelB, seed: 5)).ToList();
        var adapter = new TargetAdapter(backbone, new TargetAdaptationOptions { Loop = Loop(60) });
        for (int t = 0; t < Targets.Length; t++)
        {
            var train = targetTrain[t].Select(e => e with { TaskId = 0 }).ToList();
            var dev = targetDev[t].Select(e => e with { TaskId = 0 }).ToList();
            var init = TargetPrompts.FromSource(source);
            double before = GreedyAccuracy.Of(new PromptedT5(backbone, init), dev);
            var adapted = adapter.Train(init, train, new TrainingHooks());
            double after = GreedyAccuracy.Of(new PromptedT5(backbone, adapted.Prompt), dev);
            output.WriteLine($"target {t}: accuracy {before:F3} -> {after:F3}, loss {adapted.Training.MeanLossOfFirst(10):F3} -> {adapted.Training.MeanLossOfLast(10):F3}; {adapted.Training.Parameters}");
            Assert.True(adapted.Training.MeanLossOfLast(10) < 0.5 * adapted.Training.MeanLossOfFirst(10), $"target {t} loss did not fall");
            Assert.True(after >= 0.9, $"target {t} accuracy {after} is not clearly above chance (0.5)");
            Assert.Equal(l * 32 + l + 32, adapted.Training.Parameters.TrainableParameters);
        }

        // 4. MPT*: both targets share one P*, each with its own u, v, mixed-task batches.
        var multiPrompt = TargetPrompts.FromSource(source, numTargets: Targets.Length);
        var multi = adapter.Train(multiPrompt, targetTrain.SelectMany(x => x).ToList(), new TrainingHooks());
        var multiModel = new PromptedT5(backbone, multi.Prompt);
        var multiAccuracy = targetDev.Select(d => GreedyAccuracy.Of(multiModel, d)).ToList();
        output.WriteLine($"MPT*: accuracy {string.Join(", ", multiAccuracy.Select(a => a.ToString("F3")))}; {multi.Training.Parameters}");
        Assert.All(multiAccuracy, a => Assert.True(a >= 0.8, $"MPT* target accuracy {a}"));
        Assert.Equal(l * 32 + 2 * (l + 32), multi.Training.Parameters.TrainableParameters);

        // 5. Baselines through the same trainer on target 0: PT (fresh vocabulary prompt) and SPoT (a teacher's prompt).
        var ptTrain = targetTrain[0].Select(e => e with { TaskId = 0 }).ToList();
        var ptDev = targetDev[0].Select(e => e with { TaskId = 0 }).ToList();
        var baselineAdapter = new TargetAdapter(backbone, new TargetAdaptationOptions { Rates = AdaptationRates.PromptTuning, Loop = Loop(60) });
        foreach (var (name, init) in new[] { ("PT", TargetPrompts.VocabularyInit(backbone, l, seed: 21)), ("SPoT", TargetPrompts.Spot(teachers[2])) })
        {
            var baseline = baselineAdapter.Train(init, ptTrain, new TrainingHooks());
            double accuracy = GreedyAccuracy.Of(new PromptedT5(backbone, baseline.Prompt), ptDev);
            output.WriteLine($"{name}: accuracy {accuracy:F3}, loss {baseline.Training.MeanLossOfFirst(10):F3} -> {baseline.Training.MeanLossOfLast(10):F3}; {baseline.Training.Parameters}");
            Assert.True(baseline.Training.MeanLossOfLast(10) < baseline.Training.MeanLossOfFirst(10), $"{name} loss did not fall");
            Assert.Equal(l * 32, baseline.Training.Parameters.TrainableParameters);
        }

        // 6. Few-shot MPT on target 1: k = 16 examples, three samples (seeds), mean ± std.
        var fewShot = FewShot.Repeat([1UL, 2UL, 3UL], seed =>
        {
            var sample = FewShot.Sample(targetTrain[1].Select(e => e with { TaskId = 0 }).ToList(), 16, seed);
            var run = new TargetAdapter(backbone, new TargetAdaptationOptions { Loop = Loop(30) with { BatchSize = 8, Seed = seed } })
                .Train(TargetPrompts.FromSource(source), sample, new TrainingHooks());
            return GreedyAccuracy.Of(new PromptedT5(backbone, run.Prompt), targetDev[1].Select(e => e with { TaskId = 0 }).ToList());
        });
        output.WriteLine($"few-shot k = 16: accuracy {fewShot}");
        Assert.True(fewShot.Mean >= 0.75, $"few-shot mean accuracy {fewShot.Mean}");
        output.WriteLine($"total {clock.Elapsed.TotalSeconds:F1} s");
    }
}
