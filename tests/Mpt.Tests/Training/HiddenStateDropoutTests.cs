using Mpt.Encoder;
using Mpt.Prompts;
using Mpt.Tests.Encoder;
using Mpt.Training;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Mpt.Tests.Training;

/// <summary>
/// The hidden-state loss (paper Eq. 4) with the backbone dropout on for the student: under the default
/// <see cref="HiddenStateDropout.CleanStudentPass"/> a student whose prompt equals its teacher's has no hidden loss; under
/// <see cref="HiddenStateDropout.OneSided"/> (the behaviour before the option) its dropout-noised states keep the loss
/// well above 0. Both backbones follow the same rule.
/// </summary>
[Collection(MiniLMCollection.Name)]
public sealed class HiddenStateDropoutTests(MiniLMFixture fixture, ITestOutputHelper output)
{
    private const int PromptLength = 4;

    /// <summary>
    /// The hidden and KL terms of one batch for a student whose prompts equal the teachers' (u = v = 1, so P̂_k = P*, and
    /// every teacher is P*), with the backbone in training mode (dropout on), and the mean square of the teacher's final
    /// states (the scale of the one-sided bias, p/(1−p)·E‖x‖²).
    /// </summary>
    private static (double Hidden, double Kl, double TeacherMeanSquare, bool BackboneTrainingAfter) EqualPromptLosses(
        IPromptBackbone backbone, PromptBatch batch, int tasks, HiddenStateDropout mode)
    {
        using var scope = torch.NewDisposeScope();
        var distiller = new Distiller(backbone, new DistillationOptions { PromptLength = PromptLength, HiddenStateDropout = mode });
        using var prompt = distiller.CreatePrompt(tasks);
        var rows = prompt.call(torch.zeros(1, ScalarType.Int64)).detach()[0];                       // (l, d) = P*
        var teachers = Enumerable.Range(0, tasks).Select(_ => new SoftPrompt(rows)).ToList();
        using var bank = new TeacherPromptBank(teachers);
        var student = backbone.WithPrompt(prompt);
        student.Train(true);
        torch.random.manual_seed(11);
        var losses = distiller.Objective(student, bank)(batch);
        var teacher = bank.Forward(student, batch, outputHiddenStates: true);
        double meanSquare = teacher.HiddenStates!.Average(stack => stack.States[^1].square().mean().item<float>());
        bool after = student.BackboneTraining;
        foreach (var t in teachers) t.Dispose();
        return (losses.Parts[Distiller.HiddenLoss].item<float>(), losses.Parts[Distiller.KlLoss].item<float>(), meanSquare, after);
    }

    private void AssertRule(IPromptBackbone backbone, PromptBatch batch, int tasks, string name)
    {
        // When: the same batch under each option
        var clean = EqualPromptLosses(backbone, batch, tasks, HiddenStateDropout.CleanStudentPass);
        var oneSided = EqualPromptLosses(backbone, batch, tasks, HiddenStateDropout.OneSided);
        output.WriteLine($"{name}, prompt = teacher's, dropout on: hidden {clean.Hidden:G3} (clean student pass) vs {oneSided.Hidden:G3} (one-sided); " +
                         $"teacher final-state mean square {clean.TeacherMeanSquare:G3}; KL {clean.Kl:G3} / {oneSided.Kl:G3}");

        // Then: the default compares clean with clean (exactly the teacher's pass); the old option keeps a clear loss
        Assert.True(clean.Hidden <= 1e-12, $"{name}: hidden loss {clean.Hidden} under the clean student pass, expected 0");
        Assert.True(oneSided.Hidden >= 1e-3 * clean.TeacherMeanSquare, $"{name}: hidden loss {oneSided.Hidden} under one-sided dropout, expected clearly above 0");
        // Then: the task loss and the KL still see the dropout pass (the KL is not 0 for the same prompt), and the
        // backbone is back in training mode
        Assert.True(clean.Kl > 0, $"{name}: the KL saw no dropout");
        Assert.Equal(oneSided.Kl, clean.Kl);
        Assert.True(clean.BackboneTrainingAfter);
    }

    [Fact]
    public void Should_Give_No_Hidden_Loss_For_The_Teachers_Prompt_With_Dropout_On_For_T5()
    {
        // Given: a tiny T5 with dropout 0.1 and a mixed batch of two tasks
        using var backbone = TinyT5.Create(dropout: 0.1);
        var examples = TinyT5.Majority(4, 0, 10, 11, 2, 3, 1).Concat(TinyT5.Majority(4, 1, 12, 13, 4, 5, 1, length: 5)).ToList();
        using var scope = torch.NewDisposeScope();
        var batch = new BatchCollator(0, TinyT5.Eos).Collate(examples);

        AssertRule(new T5PromptBackbone(backbone), batch, 2, "tiny T5");
    }

    [Fact]
    public void Should_Give_No_Hidden_Loss_For_The_Teachers_Prompt_With_Dropout_On_For_The_Encoder()
    {
        // Given: MiniLM (hidden and attention dropout 0.1) and a mixed batch of a 2-label and a 3-label task
        using var encoder = new EncoderPromptBackbone(fixture.Model, fixture.Tokenizer, [["bad", "good"], ["sports", "food", "weather"]]);
        var examples = SentimentSentences.Sentiment(fixture.Tokenizer, 0).Take(4).Concat(SentimentSentences.Topic(fixture.Tokenizer, 1).Take(4)).ToList();
        using var prompt = new SoftPrompt(torch.zeros(PromptLength, encoder.HiddenSize));
        using var scope = torch.NewDisposeScope();
        var batch = encoder.WithPrompt(prompt).CreateCollator(128).Collate(examples);

        try { AssertRule(encoder, batch, 2, "MiniLM"); }
        finally { fixture.Model.train(false); }
    }
}
