using Mpt.Encoder;
using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Mpt.Tests.Encoder;

/// <summary>
/// <see cref="PromptedEncoder"/> on the real all-MiniLM-L6-v2: what trains, what the label scores are, what the
/// collator accepts, and tensor lifetime over distillation steps.
/// </summary>
[Collection(MiniLMCollection.Name)]
public sealed class PromptedEncoderTests(MiniLMFixture fixture, ITestOutputHelper output)
{
    private static readonly string[][] LabelSets = [["bad", "good"], ["sports", "food", "weather"]];

    private EncoderPromptBackbone Backbone() => new(fixture.Model, fixture.Tokenizer, LabelSets);

    private List<TrainingExample> MixedExamples() =>
        [.. SentimentSentences.Sentiment(fixture.Tokenizer, taskId: 0).Take(4), .. SentimentSentences.Topic(fixture.Tokenizer, taskId: 1).Where((_, i) => i % 4 == 0)];

    [Fact]
    public void Should_Give_Gradients_Only_To_Prompt_Parameters()
    {
        // Given: a decomposed prompt over both tasks, a mixed batch
        using var scope = NewDisposeScope();
        using var backbone = Backbone();
        using var init = PromptInit.SampledVocabulary(backbone.VocabularyEmbeddings, 20, seed: 3);
        using var prompt = MultitaskPrompt.Create(init, numTasks: 2, rank: 1, TaskVectorInit.Ones, seed: 3);
        var model = backbone.WithPrompt(prompt);
        var batch = model.CreateCollator(64).Collate(MixedExamples());

        // When
        PromptTuningObjective.For(model)(batch).Total.backward();

        // Then
        Assert.All(fixture.Model.named_parameters(), p =>
        {
            Assert.False(p.parameter.requires_grad, $"backbone parameter {p.name} is trainable");
            Assert.True(p.parameter.grad is null, $"backbone parameter {p.name} has a gradient");
        });
        foreach (var (name, parameter) in prompt.named_parameters())
        {
            Assert.NotNull(parameter.grad);
            double norm = parameter.grad!.norm().item<float>();
            output.WriteLine($"{name}: gradient norm {norm:E3}");
            Assert.True(norm > 0 && double.IsFinite(norm), $"{name} gradient norm {norm}");
        }
        Assert.True(prompt.SharedPrompt.grad!.abs().sum(1).gt(0).all().item<bool>(), "every row of P* gets a gradient");
    }

    [Fact]
    public void Should_Score_Labels_With_The_Cosines_Computed_By_Hand()
    {
        // Given: a 3-row prompt, one row of each task in one padded batch
        using var scope = NewDisposeScope();
        using var backbone = Backbone();
        torch.manual_seed(11);
        using var prompt = new SoftPrompt(torch.randn(3, 384) * 0.05);
        var model = (PromptedEncoder)backbone.WithPrompt(prompt);
        var examples = new List<TrainingExample>
        {
            EncoderTrainingExamples.Create(fixture.Tokenizer, "a fine and sunny day", null, 1, 0),
            EncoderTrainingExamples.Create(fixture.Tokenizer, "the match ended", "in a draw", 0, 1),
        };
        var batch = model.CreateCollator(64).Collate(examples);

        // When
        var got = model.ForwardWithPrompts(batch, prompt.call(torch.zeros(2, ScalarType.Int64)), outputHiddenStates: false);

        // Then: score_c = cos(mean over the input tokens of BERT([P; x]), mean over the tokens of BERT(label c)) / 0.05
        Assert.Equal([2L, 1, 3], got.Logits.shape);
        var rowLosses = new List<double>();
        for (int row = 0; row < examples.Count; row++)
        {
            var e = examples[row];
            var input = HandPooledWithPrompt(prompt.Prompt, e);
            var labels = LabelSets[e.TaskId];
            var scores = new double[labels.Length];
            for (int c = 0; c < labels.Length; c++)
            {
                var label = HandPooled(fixture.Tokenizer.Encode(labels[c]));
                scores[c] = (input * label).sum().item<float>() / (input.norm().item<float>() * label.norm().item<float>()) / 0.05;
                double modelScore = got.Logits[row, 0, c].item<float>();
                output.WriteLine($"row {row} label '{labels[c]}': hand {scores[c]:F5}, model {modelScore:F5}");
                // 2e-4 on a score is 1e-5 on a cosine: float32 sums over 384 units and batch padding stay well inside.
                Assert.True(Math.Abs(scores[c] - modelScore) <= 2e-4, $"row {row} label {c}: model {modelScore}, by hand {scores[c]}");
            }
            for (int c = labels.Length; c < 3; c++)
                Assert.Equal(SimilarityVerbalizer.PaddingScore, got.Logits[row, 0, c].item<float>(), 0);
            double max = scores.Max();
            double logSumExp = max + Math.Log(scores.Sum(s => Math.Exp(s - max)));
            rowLosses.Add(logSumExp - scores[e.LabelIds[0]]); // cross-entropy of the row's label
        }
        Assert.Equal(rowLosses.Average(), got.Loss.item<float>(), 3);
    }

    /// <summary>BERT on [prompt; ids] alone (no padding), mean over the input tokens only.</summary>
    private Tensor HandPooledWithPrompt(Tensor prompt, TrainingExample e)
    {
        long l = prompt.shape[0], s = e.InputIds.Count;
        var ids = torch.tensor(e.InputIds.ToArray(), [1, s]);
        var types = torch.tensor(e.TokenTypeIds!.ToArray(), [1, s]);
        var embeds = torch.cat([prompt.detach().unsqueeze(0), fixture.Model.WordEmbeddings(ids)], 1);
        var state = fixture.Model.ForwardEmbeddings(embeds, torch.ones(1, l + s, ScalarType.Int64),
            torch.cat([torch.zeros(1, l, ScalarType.Int64), types], 1)).LastHiddenState;
        return state[0].narrow(0, l, s).mean([0]);
    }

    /// <summary>BERT on ids alone, mean over every token ([CLS] and [SEP] included).</summary>
    private Tensor HandPooled(EncoderInput input)
    {
        var ids = torch.tensor(input.InputIds.ToArray(), [1, input.InputIds.Count]);
        return fixture.Model.Forward(ids, torch.ones_like(ids)).LastHiddenState[0].mean([0]);
    }

    [Fact]
    public void Should_Reject_Examples_The_Label_Sets_Do_Not_Cover()
    {
        var collator = new EncoderBatchCollator(0, [2, 3]);
        var ok = EncoderTrainingExamples.Create(fixture.Tokenizer, "fine", null, 1, 0);
        Assert.Contains("task 0 has 2 labels", Assert.Throws<ArgumentException>(() => collator.Collate([ok, ok with { LabelIds = [2] }])).Message);
        Assert.Contains("task id 2", Assert.Throws<ArgumentException>(() => collator.Collate([ok with { TaskId = 2 }])).Message);
        Assert.Contains("exactly one", Assert.Throws<ArgumentException>(() => collator.Collate([ok with { LabelIds = [1, 0] }])).Message);
    }

    [Fact]
    public void Should_Keep_The_Final_Sep_And_Token_Types_When_Truncating()
    {
        var collator = new EncoderBatchCollator(0, [2], maxLength: 6);
        var e = EncoderTrainingExamples.Create(fixture.Tokenizer, "one two three", "four five six", 0, 0);
        var batch = collator.Collate([e]);
        Assert.Equal([e.InputIds[0], e.InputIds[1], e.InputIds[2], e.InputIds[3], e.InputIds[4], e.InputIds[^1]], batch.InputIds[0].data<long>().ToArray());
        Assert.Equal(fixture.Tokenizer.SepTokenId, batch.InputIds[0, 5].item<long>());
        Assert.Equal([e.TokenTypeIds![0], e.TokenTypeIds[1], e.TokenTypeIds[2], e.TokenTypeIds[3], e.TokenTypeIds[4], 1L], batch.TokenTypeIds!.data<long>().ToArray());
    }

    [Fact]
    public void Should_Keep_The_Live_Tensor_Count_Flat_Over_Encoder_Distillation_Steps()
    {
        // Given: distillation with every term (task, label KL, encoder hidden MSE) on mixed-task batches
        using var backbone = Backbone();
        var teachers = Enumerable.Range(0, 2).Select(k => TargetPrompts.VocabularyInit(backbone, 4, (ulong)k + 1)).ToList();
        var counts = new List<long>();
        var distiller = new Distiller(backbone, new DistillationOptions
        {
            PromptLength = 4,
            Loop = new TrainingLoopOptions { MaxSteps = 10, BatchSize = 4, WarmupSteps = 1, LogEverySteps = 1 },
        });
        var sources = new List<IReadOnlyList<TrainingExample>> { SentimentSentences.Sentiment(fixture.Tokenizer, 0), SentimentSentences.Topic(fixture.Tokenizer, 1) };

        // When
        var result = distiller.Train(sources, teachers, new TrainingHooks { Log = _ => counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount) });

        // Then
        output.WriteLine($"live tensors per step: {string.Join(" ", counts)}; {result.Training.MeanStepMilliseconds:F0} ms/step");
        Assert.Equal(10, counts.Count);
        Assert.All(counts.Skip(2), c => Assert.Equal(counts[1], c));
        result.Prompt.Dispose();
        foreach (var t in teachers) t.Dispose();
    }
}
