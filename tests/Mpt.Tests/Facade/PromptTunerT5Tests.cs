using Microsoft.Extensions.Logging;
using Mpt.Peft;
using Mpt.Tests.Evaluation;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Facade;

/// <summary>The facade on a tiny random T5 folder written by the test: PT and MPT train, predict, save and reload.</summary>
public sealed class PromptTunerT5Tests : IDisposable
{
    private readonly TinyEvaluationWorkspace _workspace = new();

    private static readonly PromptTunerOptions Tiny = new()
    {
        PromptLength = 3, Steps = 4, TeacherSteps = 3, DistillSteps = 3, BatchSize = 4, MaxInputLength = 32, Seed = 11,
    };

    private static List<(string Input, string Label)> Task(string yes, string no) =>
        Enumerable.Range(0, 8).Select(i => ($"the cat sat on the mat number {i} .", i % 2 == 0 ? yes : no)).ToList();

    [Fact]
    public void Should_Train_A_Prompt_And_Reload_The_Saved_Adapter_With_The_Same_Predictions()
    {
        // Given
        using var tuner = PromptTuner.Open(_workspace.ModelDir, Tiny);
        var examples = Task("yes", "no");
        var reports = new List<TrainingLogEntry>();

        // When
        using var trained = tuner.TrainPrompt(examples, new SynchronousProgress<TrainingLogEntry>(reports.Add));
        string folder = _workspace.PathOf("adapter");
        trained.Save(folder);
        using var loaded = PromptedModel.Load(_workspace.ModelDir, folder);

        // Then: PEFT's files, the model fingerprint, the labels; generation and label probabilities survive the round trip
        Assert.True(File.Exists(Path.Combine(folder, PeftAdapter.ConfigFileName)));
        Assert.True(File.Exists(Path.Combine(folder, PromptModelFile.FileName)));
        Assert.Equal(["yes", "no"], loaded.Labels);
        Assert.Equal(Tiny.Steps, reports[^1].Step);
        var inputs = examples.Select(e => e.Input).Take(4).ToList();
        var expected = trained.Predict(inputs);
        var actual = loaded.Predict(inputs);
        for (int i = 0; i < inputs.Count; i++)
        {
            Assert.Equal(1.0, expected[i].Scores.Values.Sum(), 6);
            Assert.Equal(expected[i].Label, actual[i].Label);
            foreach (var (label, p) in expected[i].Scores) Assert.Equal(p, actual[i].Scores[label], 6);
        }
    }

    [Fact]
    public void Should_Write_Inputs_With_The_Recorded_Task_Prefix()
    {
        // Given: one prompt saved twice, once recording that its training inputs carried the prefix "pets"
        using var tuner = PromptTuner.Open(_workspace.ModelDir, Tiny);
        using var trained = tuner.TrainPrompt(Task("yes", "no"));
        string bare = _workspace.PathOf("bare"), prefixed = _workspace.PathOf("prefixed");
        trained.Save(bare);
        trained.Save(prefixed);
        PromptTaskFile.Write(prefixed, PromptTaskFile.Read(prefixed)! with { InputPrefix = "pets" });

        // When
        using var withPrefix = PromptedModel.Load(_workspace.ModelDir, prefixed);
        using var without = PromptedModel.Load(_workspace.ModelDir, bare);
        var recorded = withPrefix.Predict("the cat sat on the mat");
        var written = without.Predict("pets the cat sat on the mat");
        var plain = without.Predict("the cat sat on the mat");

        // Then: the recorded prefix is written before the input, and it changes the scores
        Assert.Equal(written.Label, recorded.Label);
        foreach (var (label, p) in written.Scores) Assert.Equal(p, recorded.Scores[label], 6);
        // (compared as log-probabilities: the tiny model's label probabilities saturate near 0 and 1)
        Assert.Contains(plain.Scores, kv => Math.Abs(Math.Log(kv.Value) - Math.Log(recorded.Scores[kv.Key])) > 1e-6);
    }

    [Fact]
    public void Should_Train_Mpt_From_Two_Sources_Through_Every_Stage()
    {
        // Given
        using var tuner = PromptTuner.Open(_workspace.ModelDir, Tiny);
        var sources = new[] { new LabelledTask("a", Task("yes", "no")), new LabelledTask("b", Task("true", "false")) };
        var target = new LabelledTask("c", Task("good", "bad")) { Validation = Task("good", "bad").Take(4).ToList() };
        var finals = new List<TrainingLogEntry>();

        // When
        using var model = tuner.TrainMultitask(sources, target, new SynchronousProgress<TrainingLogEntry>(e => { if (e.Step == e.TotalSteps) finals.Add(e); }));

        // Then: two teachers, the distillation, the target; the validation set scored the target stage
        Assert.Equal([Tiny.TeacherSteps, Tiny.TeacherSteps, Tiny.DistillSteps, Tiny.Steps], finals.Select(e => e.TotalSteps));
        Assert.NotNull(finals[^1].DevScore);
        Assert.NotNull(model.Training!.BestScore);
        Assert.Equal(["good", "bad"], model.Labels);
        Assert.Equal(4, model.Predict(target.Examples.Take(4).Select(e => e.Input)).Count);
    }

    [Fact]
    public void Should_Log_The_Model_And_One_Line_Per_Stage_To_The_Given_Logger()
    {
        // Given
        var logger = new ListLogger();
        using var tuner = PromptTuner.Open(_workspace.ModelDir, Tiny, logger);

        // When
        using var model = tuner.TrainPrompt(Task("yes", "no"));

        // Then: the load, and the stage with its step count, at information level; every logged step at debug level
        var information = logger.Lines.Where(l => l.Level == LogLevel.Information).Select(l => l.Message).ToList();
        Assert.Equal(2, information.Count);
        Assert.Contains(_workspace.ModelDir, information[0]);
        Assert.StartsWith($"prompt tuning on task: {Tiny.Steps} steps", information[1]);
        Assert.Equal(Tiny.Steps, logger.Lines.Count(l => l.Level == LogLevel.Debug));
    }

    [Fact]
    public void Should_Refuse_To_Load_A_Prompt_Saved_For_Another_Kind_Of_Model()
    {
        // Given: a T5 prompt whose mpt_task.json says it was trained for the embedded encoder
        using var tuner = PromptTuner.Open(_workspace.ModelDir, Tiny);
        using (var trained = tuner.TrainPrompt(Task("yes", "no"))) trained.Save(_workspace.PathOf("adapter"));
        string taskFile = Path.Combine(_workspace.PathOf("adapter"), "mpt_task.json");
        File.WriteAllText(taskFile, File.ReadAllText(taskFile).Replace("\"t5\"", "\"minilm\""));

        // When
        var error = Assert.Throws<ModelMismatchException>(() => PromptedModel.Load(_workspace.ModelDir, _workspace.PathOf("adapter")));

        // Then
        Assert.Contains("minilm", error.Message);
    }

    [Fact]
    public void Should_Name_The_Model_Argument_When_It_Is_Neither_Minilm_Nor_A_Folder()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => PromptTuner.Open(_workspace.PathOf("missing")));
        Assert.Contains("missing", error.Message);
        Assert.Contains("minilm", error.Message);
    }

    [Fact]
    public void Should_Refuse_A_Task_With_One_Label_Before_Loading_Anything_Else()
    {
        using var tuner = PromptTuner.Open(_workspace.ModelDir, Tiny);
        var error = Assert.Throws<ArgumentException>(() => tuner.TrainPrompt(Task("yes", "yes")));
        Assert.Contains("at least 2 distinct labels", error.Message);
    }

    public void Dispose() => _workspace.Dispose();
}

/// <summary>An <see cref="ILogger"/> that keeps every formatted message.</summary>
internal sealed class ListLogger : ILogger
{
    public List<(LogLevel Level, string Message)> Lines { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Add((logLevel, formatter(state, exception)));
}
