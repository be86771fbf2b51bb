using System.Text.Json.Nodes;
using Mpt.Peft;
using Mpt.Tests.Encoder;
using Mpt.Training;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Facade;

/// <summary>The facade on the embedded MiniLM: train on in-memory examples, predict, cancel, save and load.</summary>
[Collection(FacadeMiniLMCollection.Name)]
public sealed class PromptTunerMiniLMTests(FacadeMiniLMFixture fixture)
{
    // Neutral label descriptions (as in PromptedEncoderLearningTests): the frozen encoder alone does not know which
    // label is which sentiment, so getting the training sentences right is the prompt's doing.
    private static readonly Dictionary<string, string> Neutral = new()
    {
        ["neg"] = "It is about one thing.",
        ["pos"] = "It is about another thing.",
    };

    private static List<(string Input, string Label)> Sentiment() =>
        Enumerable.Range(0, SentimentSentences.Negative.Length)
            .SelectMany(i => new[] { (SentimentSentences.Negative[i], "neg"), (SentimentSentences.Positive[i], "pos") })
            .ToList();

    [Fact]
    public void Should_Train_A_Prompt_On_In_Memory_Examples_And_Predict_Their_Labels()
    {
        // Given
        var examples = Sentiment();
        var reports = new List<TrainingLogEntry>();
        var progress = new SynchronousProgress<TrainingLogEntry>(reports.Add);

        // When
        using var model = fixture.Tuner.TrainPrompt(new LabelledTask("sentiment", examples) { LabelDescriptions = Neutral }, progress);
        var predictions = model.Predict(examples.Select(e => e.Input));

        // Then
        Assert.Equal(["neg", "pos"], model.Labels);
        Assert.Equal(FacadeMiniLMFixture.Steps, model.Training!.StepsDone);
        double accuracy = predictions.Zip(examples).Count(p => p.First.Label == p.Second.Label) / (double)examples.Count;
        Assert.True(accuracy >= 0.9, $"train accuracy {accuracy}");
        Assert.All(predictions, p => Assert.Equal(1.0, p.Scores.Values.Sum(), 5));
        Assert.All(predictions, p => Assert.Equal(p.Scores.MaxBy(kv => kv.Value).Key, p.Label));
        Assert.NotEmpty(reports);
        Assert.Equal(FacadeMiniLMFixture.Steps, reports[^1].Step);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.Step < p.Second.Step), "progress steps are not increasing");
    }

    [Fact]
    public void Should_Stop_Promptly_With_OperationCanceledException_And_Leave_No_Live_Tensors()
    {
        // Given: a token cancelled by the first progress report (step 1)
        using var cancel = new CancellationTokenSource();
        var reports = new List<TrainingLogEntry>();
        var progress = new SynchronousProgress<TrainingLogEntry>(e => { reports.Add(e); cancel.Cancel(); });
        using var tuner = fixture.Tuner.WithOptions(fixture.Quick);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        // When
        var thrown = Assert.Throws<OperationCanceledException>(() => tuner.TrainPrompt(Sentiment(), progress, cancel.Token));

        // Then: the loop stopped after the step that reported, and the call freed all it allocated
        Assert.Equal(cancel.Token, thrown.CancellationToken);
        Assert.Equal(1, reports.Max(r => r.Step));
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Should_Refuse_An_Already_Cancelled_Token_Before_Any_Work()
    {
        var reports = new List<TrainingLogEntry>();
        Assert.Throws<OperationCanceledException>(() =>
            fixture.Tuner.TrainPrompt(Sentiment(), new SynchronousProgress<TrainingLogEntry>(reports.Add), new CancellationToken(canceled: true)));
        Assert.Empty(reports);
    }

    [Fact]
    public void Should_Leave_Torch_Generator_And_Thread_Count_As_They_Were()
    {
        // Given: the test assembly runs torch on one thread; the tuner's options ask for two during a call
        using var tuner = fixture.Tuner.WithOptions(fixture.Quick with { Threads = 2 });
        torch.random.manual_seed(1234);
        using var generatorBefore = torch.random.get_rng_state();
        int threadsBefore = torch.get_num_threads();
        int threadsDuring = 0;
        var progress = new SynchronousProgress<TrainingLogEntry>(_ => threadsDuring = torch.get_num_threads());

        // When: the training loop seeds the global generator with the option's seed
        using var model = tuner.TrainPrompt(Sentiment(), progress);

        // Then
        using var generatorAfter = torch.random.get_rng_state();
        Assert.Equal(2, threadsDuring);
        Assert.Equal(threadsBefore, torch.get_num_threads());
        Assert.Equal(generatorBefore.data<byte>().ToArray(), generatorAfter.data<byte>().ToArray());
    }

    [Fact]
    public void Should_Save_A_Peft_Adapter_That_Loads_With_The_Same_Predictions()
    {
        // Given
        var examples = Sentiment();
        using var tuner = fixture.Tuner.WithOptions(fixture.Quick);
        using var trained = tuner.TrainPrompt(new LabelledTask("sentiment", examples) { LabelDescriptions = Neutral });
        tuner.Dispose(); // the prompted model keeps the shared weights alive
        string folder = Directory.CreateTempSubdirectory("mpt-facade-").FullName;
        try
        {
            // When
            trained.Save(folder);
            using var loaded = PromptedModel.Load("minilm", folder);

            // Then: PEFT's files plus the labels, and the same scores
            var config = PeftAdapterConfig.FromJsonFile(Path.Combine(folder, PeftAdapter.ConfigFileName));
            Assert.Equal(PeftAdapterConfig.PromptTuningType, config.PeftType);
            Assert.Equal(8, config.NumVirtualTokens);
            var task = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "mpt_task.json")))!;
            Assert.Equal("It is about one thing.", (string?)task["label_descriptions"]![0]);
            Assert.Equal("sentiment", loaded.TaskName);
            var inputs = examples.Take(6).Select(e => e.Input).ToList();
            var expected = trained.Predict(inputs);
            var actual = loaded.Predict(inputs);
            for (int i = 0; i < inputs.Count; i++)
            {
                Assert.Equal(expected[i].Label, actual[i].Label);
                foreach (var (label, score) in expected[i].Scores) Assert.Equal(score, actual[i].Scores[label], 6);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Should_Train_Mpt_From_Two_Sources_And_Report_Every_Stage()
    {
        // Given: topics (3 labels) and sentiment as sources, a sentiment target with its own label words
        var topics = SentimentSentences.Topics.SelectMany((s, c) => s.Select(x => (x, new[] { "sport", "food", "weather" }[c]))).ToList();
        var sources = new[] { new LabelledTask("topic", topics), new LabelledTask("sentiment", Sentiment()) };
        var target = new LabelledTask("review", Sentiment().Select(e => (e.Input, e.Label == "pos" ? "good" : "bad")).ToList());
        var finals = new List<TrainingLogEntry>();
        var progress = new SynchronousProgress<TrainingLogEntry>(e => { if (e.Step == e.TotalSteps) finals.Add(e); });

        // When
        using var tuner = fixture.Tuner.WithOptions(fixture.Quick);
        using var model = tuner.TrainMultitask(sources, target, progress);

        // Then: two teachers, the distillation and the target each ran to their last step
        var o = tuner.Options;
        Assert.Equal([o.TeacherSteps, o.TeacherSteps, o.DistillSteps, o.Steps], finals.Select(e => e.TotalSteps));
        Assert.Contains(Distiller.KlLoss, finals[2].Parts.Keys);
        Assert.Equal(["bad", "good"], model.Labels);
        Assert.All(model.Predict(target.Examples.Select(e => e.Input)), p => Assert.Contains(p.Label, model.Labels));
    }

    [Fact]
    public void Should_Refuse_Mpt_With_One_Source_Before_Training()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            fixture.Tuner.TrainMultitask([new LabelledTask("sentiment", Sentiment())], new LabelledTask("review", Sentiment())));
        Assert.Contains("at least 2 source tasks", error.Message);
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the training thread (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
