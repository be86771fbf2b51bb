using System.Diagnostics;
using Mpt.Encoder;
using Mpt.Prompts;
using Mpt.Tests.Training;
using Mpt.Training;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;

namespace Mpt.Tests.Encoder;

/// <summary>Prompt tuning with the similarity verbaliser learns on the frozen MiniLM (docs/data.md's reference run, in small).</summary>
[Collection(MiniLMCollection.Name)]
public sealed class PromptedEncoderLearningTests(MiniLMFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void Should_Lower_The_Loss_And_Raise_Train_Accuracy_On_Sixteen_Sentences()
    {
        // Given: 16 hand-written sentences; label descriptions that do not name the sentiment, so the frozen encoder
        // alone is near chance and the prompt has to carry the task.
        using var backbone = new EncoderPromptBackbone(fixture.Model, fixture.Tokenizer, [Labels]);
        var examples = SentimentSentences.Sentiment(fixture.Tokenizer);
        using var prompt = TargetPrompts.VocabularyInit(backbone, Length, seed: 1);
        var model = backbone.WithPrompt(prompt);
        double before = PredictionAccuracy.Of(model, examples);
        var clock = Stopwatch.StartNew();

        // When
        var trainer = new TeacherTrainer(backbone, new TeacherOptions
        {
            PromptLength = Length, LearningRate = Rate,
            Loop = new TrainingLoopOptions { MaxSteps = Steps, BatchSize = 16, WarmupSteps = 2, BackboneDropout = false, LogEverySteps = 0, Seed = 5 },
        });
        var result = trainer.Train(examples, new TrainingHooks(), prompt);
        double after = PredictionAccuracy.Of(model, examples);

        // Then
        var losses = result.Training.StepLosses;
        output.WriteLine($"accuracy {before:F3} -> {after:F3}; loss {string.Join(" ", losses.Select(l => l.ToString("F3")))}; {clock.Elapsed.TotalSeconds:F1} s, {result.Training.MeanStepMilliseconds:F0} ms/step");
        Assert.True(result.Training.MeanLossOfLast(5) < 0.7 * result.Training.MeanLossOfFirst(5), "the loss did not fall by 30 %");
        Assert.True(after > before, $"train accuracy did not rise ({before} -> {after})");
        Assert.True(after >= 0.9, $"train accuracy {after}");
    }

    // Neutral descriptions that do not name the sentiment: with them the frozen encoder and a vocabulary prompt score
    // 75 % on these sentences, so there is room to rise and the rise is the prompt's doing.
    private static readonly string[] Labels = ["It is about one thing.", "It is about another thing."];

    // l = 8 and 25 steps keep the test near 10 s in fp32 on one thread (16 × (8 + ~13) positions, ~0.4 s per step);
    // lr 0.1 (docs/data.md's reference run found 0.3 and 0.03 alike; 0.1 descends without the spike 0.3 shows at the end of warm-up).
    private const int Length = 8;
    private const int Steps = 25;
    private const double Rate = 0.1;
}
