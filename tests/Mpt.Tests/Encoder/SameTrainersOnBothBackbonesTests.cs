using Mpt.Encoder;
using Mpt.Prompts;
using Mpt.Tests.Training;
using Mpt.Training;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;

namespace Mpt.Tests.Encoder;

/// <summary>
/// Teacher training, MPT distillation and target adaptation run on a T5 and on the MiniLM encoder through the same
/// trainer instances' code (<see cref="IPromptBackbone"/>), with every distillation term active on both.
/// </summary>
[Collection(MiniLMCollection.Name)]
public sealed class SameTrainersOnBothBackbonesTests(MiniLMFixture fixture, ITestOutputHelper output)
{
    private static TrainingLoopOptions OneStep => new() { MaxSteps = 1, BatchSize = 6, WarmupSteps = 0, LogEverySteps = 1 };

    [Fact]
    public void Should_Run_Every_Stage_On_Both_Backbones_Through_The_Same_Trainers()
    {
        using var t5 = TinyT5.Create();
        using var encoder = new EncoderPromptBackbone(fixture.Model, fixture.Tokenizer, [["bad", "good"], ["sports", "food", "weather"]]);
        var t5Sources = new List<IReadOnlyList<TrainingExample>> { TinyT5.Majority(12, 0, 10, 11, 2, 3, 1), TinyT5.Majority(12, 1, 12, 13, 4, 5, 1) };
        var encoderSources = new List<IReadOnlyList<TrainingExample>> { SentimentSentences.Sentiment(fixture.Tokenizer, 0), SentimentSentences.Topic(fixture.Tokenizer, 1) };
        var cases = new (string Name, IPromptBackbone Backbone, torch.nn.Module Frozen, List<IReadOnlyList<TrainingExample>> Sources)[]
        {
            ("T5", new T5PromptBackbone(t5), t5, t5Sources),
            ("MiniLM", encoder, fixture.Model, encoderSources),
        };
        foreach (var (name, backbone, frozen, sources) in cases)
        {
            var before = frozen.parameters().Select(p => p.detach().clone()).ToList();

            // 1. Teachers, one per source task
            var teacherTrainer = new TeacherTrainer(backbone, new TeacherOptions { PromptLength = 4, Loop = OneStep });
            var teachers = sources.Select(s => teacherTrainer.Train(s, new TrainingHooks()).Prompt).ToList();

            // 2. Distillation with the paper's objective (task + KL + hidden)
            var logs = new List<TrainingLogEntry>();
            var distilled = new Distiller(backbone, new DistillationOptions { PromptLength = 4, Loop = OneStep })
                .Train(sources, teachers, new TrainingHooks { Log = logs.Add });
            var entry = Assert.Single(logs);
            output.WriteLine($"{name}: distillation step {string.Join(", ", entry.Parts.Select(p => $"{p.Key} {p.Value:F4}"))}, total {entry.Loss:F4}");
            Assert.Equal(["hidden", "kl", "task"], entry.Parts.Keys.Order());
            Assert.All(entry.Parts.Values, v => Assert.True(v > 0 && double.IsFinite(v), $"{name}: a loss term is {v}"));
            Assert.Equal(entry.Parts["task"] + 0.9 * (entry.Parts["kl"] + entry.Parts["hidden"]), entry.Loss!.Value, 4);

            // 3. Target adaptation from the distilled prompt (task 0 of the sources stands in for a target)
            var target = new TargetAdapter(backbone, new TargetAdaptationOptions { Loop = OneStep })
                .Train(TargetPrompts.FromSource(distilled.Prompt), sources[0], new TrainingHooks { EvaluateModel = m => PredictionAccuracy.Of(m, sources[0]) });
            Assert.NotNull(target.Training.BestScore);

            // The frozen backbone is untouched and has no gradient
            Assert.All(frozen.parameters().Zip(before), p =>
            {
                Assert.Null(p.First.grad);
                Assert.True(p.First.equal(p.Second).all().item<bool>(), $"{name}: a backbone weight changed");
            });
            foreach (var t in teachers) t.Dispose();
            distilled.Prompt.Dispose();
            target.Prompt.Dispose();
        }
    }
}
