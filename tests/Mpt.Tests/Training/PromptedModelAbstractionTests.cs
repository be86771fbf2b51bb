using System.Reflection;
using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Training;

/// <summary>
/// The backbone abstraction (<see cref="IPromptBackbone"/>, <see cref="IPromptedModel"/>): T5 computes through it
/// exactly what its own forward computes, and no trainer holds a backbone-specific type.
/// </summary>
public sealed class PromptedModelAbstractionTests
{
    [Fact]
    public void Should_Compute_The_Same_Tensors_Through_ForwardWithPrompts_As_PromptedT5_Forward()
    {
        // Given: a two-task prompt and a mixed batch
        using var scope = NewDisposeScope();
        using var t5 = TinyT5.Create(dropout: 0.0);
        using var prompt = MultitaskPrompt.Create(torch.randn(4, 32), numTasks: 2);
        var model = new PromptedT5(t5, prompt);
        model.Train(false);
        var batch = new BatchCollator(0, TinyT5.Eos).Collate([.. TinyT5.Majority(3, 0, 10, 11, 2, 3, 1), .. TinyT5.Majority(3, 1, 12, 13, 4, 5, 1)]);

        // When
        var direct = model.Forward(batch.InputIds, batch.AttentionMask, batch.TaskIds, batch.Labels, outputHiddenStates: true);
        var viaAbstraction = PromptTuningObjective.Forward(model, batch, outputHiddenStates: true);

        // Then: bit-identical loss, logits and hidden states; the stacks are the encoder's (prompt first) and the decoder's
        Assert.True(direct.Loss!.equal(viaAbstraction.Loss).all().item<bool>());
        Assert.True(direct.Logits.equal(viaAbstraction.Logits).all().item<bool>());
        var stacks = viaAbstraction.HiddenStates!;
        Assert.Equal(2, stacks.Count);
        Assert.Equal(4, stacks[0].PromptLength);
        Assert.Equal(0, stacks[1].PromptLength);
        Assert.True(direct.EncoderHiddenStates!.Zip(stacks[0].States).All(p => p.First.equal(p.Second).all().item<bool>()));
        Assert.True(direct.DecoderHiddenStates!.Zip(stacks[1].States).All(p => p.First.equal(p.Second).all().item<bool>()));
        Assert.True(viaAbstraction.LogitsMask.equal(DistillationLosses.TargetMask(batch.Labels)).all().item<bool>());
        Assert.True(stacks[0].ComparedPositions(true).equal(DistillationLosses.EncoderMask(batch.AttentionMask, 4)).all().item<bool>());
    }

    [Fact]
    public void Should_Predict_The_Greedy_Generation_Up_To_Eos()
    {
        using var scope = NewDisposeScope();
        using var t5 = TinyT5.Create(dropout: 0.0);
        using var prompt = TargetPrompts.VocabularyInit(t5, 4, seed: 2);
        var model = new PromptedT5(t5, prompt);
        var examples = TinyT5.Majority(6, 0, 10, 11, 2, 3, 1);
        var batch = new BatchCollator(0, TinyT5.Eos).Collate(examples);

        var predicted = model.Predict(batch, maxNewTokens: 3);

        var sequences = model.Generate(batch.InputIds, batch.AttentionMask, torch.zeros(6, ScalarType.Int64), 3).Sequences;
        for (int b = 0; b < 6; b++)
        {
            var generated = sequences[b].data<long>().ToArray().Skip(1).ToList();
            int eos = generated.IndexOf(TinyT5.Eos);
            Assert.Equal(eos < 0 ? generated : generated.Take(eos + 1), predicted[b]);
        }
        // Exact match with the labels (which end with eos) is the greedy accuracy of the existing helper.
        Assert.Equal(GreedyAccuracy.Of(model, examples), PredictionAccuracy.Of(model, examples, maxNewTokens: 4));
    }

    public static TheoryData<Type> Trainers() => [typeof(TrainingLoop), typeof(TeacherTrainer), typeof(Distiller), typeof(TargetAdapter)];

    [Theory]
    [MemberData(nameof(Trainers))]
    public void Should_Hold_No_Backbone_Specific_Type_In_A_Trainer(Type trainer)
    {
        // The trainers see only the abstraction: no field of a T5 (Mpt.Model) or BERT (Mpt.Encoder) type and no
        // PromptedT5; the T5 constructors only wrap the model in a T5PromptBackbone.
        var fields = trainer.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
        Assert.NotEmpty(fields);
        Assert.All(fields, f =>
        {
            Assert.False(f.FieldType.Namespace is "Mpt.Model" or "Mpt.Encoder", $"{trainer.Name}.{f.Name} is a {f.FieldType.Name}");
            Assert.NotEqual(typeof(PromptedT5), f.FieldType);
            Assert.NotEqual(typeof(T5PromptBackbone), f.FieldType);
        });
    }

    [Fact]
    public void Should_Refuse_Two_Evaluators_And_Run_EvaluateModel_On_T5()
    {
        using var scope = NewDisposeScope();
        using var t5 = TinyT5.Create();
        var trainer = new TeacherTrainer(t5, new TeacherOptions { PromptLength = 2, Loop = new TrainingLoopOptions { MaxSteps = 1, BatchSize = 4, WarmupSteps = 0 } });
        var examples = TinyT5.Majority(4, 0, 10, 11, 2, 3, 1);

        var both = new TrainingHooks { Evaluate = _ => 0, EvaluateModel = _ => 0 };
        Assert.Contains("not both", Assert.Throws<InvalidOperationException>(() => trainer.Train(examples, both)).Message);

        IPromptedModel? seen = null;
        var result = trainer.Train(examples, new TrainingHooks { EvaluateModel = m => { seen = m; return 0.5; } });
        Assert.IsType<PromptedT5>(seen);
        Assert.Equal(0.5, result.Training.BestScore);
        result.Prompt.Dispose();
    }
}
