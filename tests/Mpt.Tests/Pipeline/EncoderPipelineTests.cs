using System.Text.Json;
using Mpt.Backbones;
using Mpt.Peft;
using Mpt.Pipeline;
using Mpt.Quickstart;
using Mpt.Reports;
using Mpt.Tests.Encoder;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>
/// The one pipeline on the embedded MiniLM encoder with a user's own task files and JSONL folders: teachers,
/// distillation, PT / SPoT / MPT few-shot adaptation, results.json in the usual schema, PEFT adapters with the encoder's
/// fingerprint, resume; and what an encoder cannot do is refused before any work.
/// </summary>
[Collection(MiniLMCollection.Name)]
public sealed class EncoderPipelineTests(MiniLMFixture fixture)
{
    private static string Config(UserTaskFolder data, string extraAdapt = "", string methods = "\"mpt\", \"pt\", \"spot\"") => $$"""
    {
      "model": {"path": "minilm"},
      "task_file": {{JsonSerializer.Serialize(data.TaskFile)}},
      "add_prefix": false,
      "sources": [{"task": "{{UserTaskFolder.Polarity}}", "data": {{JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Polarity))}}},
                  {"task": "{{UserTaskFolder.Topic}}", "data": {{JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Topic))}}}],
      "targets": [{"task": "{{UserTaskFolder.Reviews}}", "data": {{JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Reviews))}}}],
      "teachers": {"prompt_length": 4, "loop": {"max_steps": 2, "batch_size": 4, "max_source_length": 24, "warmup_steps": 1, "eval_every_steps": 1} },
      "distill": {"prompt_length": 4, "loop": {"max_steps": 2, "batch_size": 4, "max_source_length": 24, "warmup_steps": 1, "eval_every_steps": 1} },
      "adapt": {"methods": [{{methods}}], "prompt_length": 4, "few_shot": 2, "few_shot_per_class": true, "seeds": [1, 2],
                "loop": {"max_steps": 2, "batch_size": 4, "max_source_length": 24, "warmup_steps": 1, "eval_every_steps": 1}{{extraAdapt}} }
    }
    """;

    private PipelineRunner Runner(UserTaskFolder data, string runDir, bool resume = false, string extraAdapt = "", IPipelineProgress? progress = null,
        string methods = "\"mpt\", \"pt\", \"spot\"")
    {
        var config = ConfigJson.Parse(Config(data, extraAdapt, methods));
        var backbone = new EncoderRunBackbone(RunBackbones.MiniLMName, fixture.Model, fixture.Tokenizer, ownsModel: false);
        return new PipelineRunner(config, runDir, new PipelineRunOptions
        {
            Backbone = backbone, Resume = resume, Reporter = new NoReport(), Progress = progress ?? SilentProgress.Instance,
        });
    }

    [Fact]
    public void Should_Run_Teachers_Distillation_And_Few_Shot_Adaptation_On_A_User_Task_And_Resume()
    {
        using var data = new UserTaskFolder();
        string run = Path.Combine(data.Root, "run");
        var messages = new RecordingProgress();
        PipelineOutcome outcome;
        const string all = "\"mpt\", \"pt\", \"spot\", \"majority\", \"no-prompt\"";
        using (var runner = Runner(data, run, progress: messages, methods: all)) outcome = runner.Run(PipelineStages.All);

        var methods = Assert.Single(outcome.Results.Targets!);
        Assert.Equal(UserTaskFolder.Reviews, methods.Key);
        Assert.Equal(["majority", "mpt", "no-prompt", "pt", "spot"], methods.Value.Keys.Order());
        // Untrained baselines: one "seed" 0. The train pool is 4 pos / 4 neg, the tie goes to the first label (pos),
        // and the test rows alternate, so majority scores 50 %.
        Assert.Equal(50.0, methods.Value["majority"].Mean, 9);
        Assert.Equal([0L], methods.Value["no-prompt"].Seeds.Select(s => s.Seed));
        Assert.Equal(0, methods.Value["no-prompt"].Mean % 25, 9);
        foreach (var (_, result) in methods.Value.Where(m => m.Key is "mpt" or "pt" or "spot"))
        {
            Assert.Equal([1L, 2L], result.Seeds.Select(s => s.Seed));
            Assert.Equal("accuracy", result.Metric);
            // Four test rows: every per-seed accuracy is a multiple of 25 %.
            Assert.All(result.Seeds, s => Assert.Equal(0, s.Score % 25, 9));
            Assert.Equal(4, result.TrainExamples); // k = 2 per class, two classes
        }
        Assert.Equal(4 * 384, methods.Value["pt"].TrainableParams);
        Assert.Equal(4 * 384 + 4 + 384, methods.Value["mpt"].TrainableParams);
        Assert.Equal(RunBackbones.MiniLMName, outcome.Results.Model!.Name);
        Assert.StartsWith("BERT encoder", outcome.Results.Model.Architecture);

        // SPoT's default rule: the teacher that scores best on the target's dev set, chosen once per target.
        Assert.Single(messages.Messages, m => m.StartsWith($"SPoT on {UserTaskFolder.Reviews}:", StringComparison.Ordinal));

        // PEFT adapters record the encoder: task type, and a fingerprint that says bert.
        string adapter = Path.Combine(run, PipelineRunner.AdaptDir, UserTaskFolder.Reviews, "mpt", "seed-1", PipelineRunner.AdapterDir);
        var loaded = PeftAdapter.Load(adapter);
        using (loaded.Encoder)
        {
            Assert.Equal(PeftAdapterConfig.FeatureExtractionTaskType, loaded.Config.TaskType);
            Assert.Equal(PeftAdapterConfig.MultitaskPromptTuningType, loaded.Config.PeftType);
            Assert.Equal("bert", loaded.TrainedFor!.Architecture.ModelType);
            Assert.Equal(384, loaded.TrainedFor.Architecture.DModel);
        }
        // The task record: labels and descriptions for the verbaliser, and no prefix (the config's add_prefix is false).
        var record = PromptTaskFile.Read(adapter)!;
        Assert.Equal((UserTaskFolder.Reviews, "minilm"), (record.Task, record.Backbone));
        Assert.Null(record.InputPrefix);
        Assert.Equal(2, record.Labels.Count);
        // The fingerprint is the one of the model in use, so the adapter loads back onto it.
        using (var backbone = new EncoderRunBackbone(RunBackbones.MiniLMName, fixture.Model, fixture.Tokenizer, ownsModel: false))
            PeftAdapter.Load(adapter, backbone.Fingerprint).Encoder.Dispose();

        // Resume: every run is finished, so nothing trains and the results are read back unchanged.
        PipelineOutcome again;
        using (var runner = Runner(data, run, resume: true, methods: all)) again = runner.Run(PipelineStages.All);
        foreach (var (method, result) in methods.Value)
            Assert.Equal(result.Seeds.Select(s => s.Score), again.Results.Targets![UserTaskFolder.Reviews][method].Seeds.Select(s => s.Score));
    }

    [Fact]
    public void Should_Refuse_A_Free_Text_Task_On_The_Encoder_Before_Any_Work_Naming_Task_And_Backbone()
    {
        using var data = new UserTaskFolder();
        string run = Path.Combine(data.Root, "run");
        string json = Config(data).Replace($"\"task\": \"{UserTaskFolder.Reviews}\", \"data\": {JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Reviews))}",
            $"\"task\": \"{UserTaskFolder.FreeText}\", \"data\": {JsonSerializer.Serialize(data.DataDir(UserTaskFolder.FreeText))}");
        Assert.Contains(UserTaskFolder.FreeText, json);
        var backbone = new EncoderRunBackbone(RunBackbones.MiniLMName, fixture.Model, fixture.Tokenizer, ownsModel: false);
        using var runner = new PipelineRunner(ConfigJson.Parse(json), run, new PipelineRunOptions { Backbone = backbone, Reporter = new NoReport() });

        var e = Assert.Throws<ConfigException>(() => runner.Run(PipelineStages.All));
        Assert.Contains($"'{UserTaskFolder.FreeText}'", e.Message);
        Assert.Contains(RunBackbones.MiniLMName, e.Message);
        Assert.False(Directory.Exists(Path.Combine(run, PipelineRunner.TeachersDir)));
    }

    [Fact]
    public void Should_Keep_Step_Zero_When_Training_Does_Not_Beat_The_Initial_Prompt_On_Dev()
    {
        using var data = new UserTaskFolder();
        string run = Path.Combine(data.Root, "run");
        // A learning rate so small that no update can change a prediction: every later dev score ties step 0, and ties keep step 0.
        using (var runner = Runner(data, run, extraAdapt: """, "shared_learning_rate": 1e-12""", methods: "\"pt\""))
            runner.Run(PipelineStages.Adapt);
        Assert.Equal(0, BestStep(run));
        // The initial evaluation is in metrics.jsonl as step 0 (a dev score and no loss), so the report's dev curve starts there.
        var initial = Assert.Single(Mpt.Reports.MetricsLog.Read(Path.Combine(run, PipelineRunner.MetricsFile)), m => m.Stage == StageNames.Adapt && m.Seed == 1 && m.Step == 0);
        Assert.Null(initial.Loss);
        Assert.NotNull(initial.DevScore);

        // With step 0 switched off the same run selects a trained step, and never scored step 0.
        string run2 = Path.Combine(data.Root, "run2");
        using (var runner = Runner(data, run2, extraAdapt: """, "shared_learning_rate": 1e-12, "select_step_zero": false""", methods: "\"pt\""))
            runner.Run(PipelineStages.Adapt);
        Assert.Equal(1, BestStep(run2));
        Assert.DoesNotContain(Mpt.Reports.MetricsLog.Read(Path.Combine(run2, PipelineRunner.MetricsFile)), m => m.Step == 0);
    }

    private static long? BestStep(string run) =>
        JsonSerializer.Deserialize<Mpt.Training.TrainingResult>(
            File.ReadAllText(Path.Combine(run, PipelineRunner.AdaptDir, UserTaskFolder.Reviews, "pt", "seed-1", Mpt.Runs.RunFolder.ResultFile)), Mpt.Runs.RunFolder.Json)!.BestStep;

    [Fact]
    public void Should_Take_Sources_From_A_Built_Benchmark_Folder_With_Its_Label_Descriptions_And_Pairs()
    {
        using var data = new UserTaskFolder();
        using var bench = new Quickstart.MiniBenchmarkFolder();
        string json = Config(data)
            .Replace($"\"task\": \"{UserTaskFolder.Polarity}\", \"data\": {JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Polarity))}",
                $"\"task\": \"{Quickstart.MiniBenchmarkFolder.Polarity}\", \"data\": {JsonSerializer.Serialize(bench.Path)}")
            .Replace($"\"task\": \"{UserTaskFolder.Topic}\", \"data\": {JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Topic))}",
                $"\"task\": \"{Quickstart.MiniBenchmarkFolder.Topic}\", \"data\": {JsonSerializer.Serialize(bench.Path)}");
        Assert.Contains(Quickstart.MiniBenchmarkFolder.Topic, json);
        string run = Path.Combine(data.Root, "run");
        var backbone = new EncoderRunBackbone(RunBackbones.MiniLMName, fixture.Model, fixture.Tokenizer, ownsModel: false);
        PipelineOutcome outcome;
        using (var runner = new PipelineRunner(ConfigJson.Parse(json), run, new PipelineRunOptions { Backbone = backbone, Reporter = new NoReport(), TaskData = BenchmarkTaskResolver.Instance }))
            outcome = runner.Run(PipelineStages.Teachers);

        // Each teacher trained on its benchmark task's own folder (the pair task included), recorded in the resolved config.
        foreach (string task in new[] { Quickstart.MiniBenchmarkFolder.Polarity, Quickstart.MiniBenchmarkFolder.Topic })
            Assert.True(File.Exists(Path.Combine(run, PipelineRunner.TeachersDir, task, Mpt.Runs.RunFolder.PromptFile)));
        var resolved = ConfigJson.Load(Path.Combine(run, PipelineRunner.ConfigFile));
        Assert.Equal(bench.Combine(Quickstart.MiniBenchmarkFolder.Topic), resolved.Sources[1].Data);
    }

    [Fact]
    public void Should_Adapt_Few_Shot_To_A_Target_Of_Text_Pairs()
    {
        // Given: a pair task ([CLS] a [SEP] b [SEP], as wn-wsd-gloss of the real-data benchmark) as the few-shot target.
        // The train-example count of a finished run was once read back with inputs cut to 2 tokens, which a pair (three
        // special tokens) cannot fit: the full benchmark stopped at its first pair target.
        using var data = new UserTaskFolder();
        using var bench = new Quickstart.MiniBenchmarkFolder();
        string json = Config(data, methods: "\"pt\"")
            .Replace($"\"task\": \"{UserTaskFolder.Reviews}\", \"data\": {JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Reviews))}",
                $"\"task\": \"{Quickstart.MiniBenchmarkFolder.Topic}\", \"data\": {JsonSerializer.Serialize(bench.Path)}");
        Assert.Contains(Quickstart.MiniBenchmarkFolder.Topic, json);
        var backbone = new EncoderRunBackbone(RunBackbones.MiniLMName, fixture.Model, fixture.Tokenizer, ownsModel: false);
        PipelineOutcome outcome;
        using (var runner = new PipelineRunner(ConfigJson.Parse(json), Path.Combine(data.Root, "run"),
                   new PipelineRunOptions { Backbone = backbone, Reporter = new NoReport(), TaskData = BenchmarkTaskResolver.Instance }))
            outcome = runner.Run(PipelineStages.Adapt);

        // Then: both seeds trained and scored, each on k = 2 examples of each of the two classes
        var pt = outcome.Results.Targets![Quickstart.MiniBenchmarkFolder.Topic]["pt"];
        Assert.Equal([1L, 2L], pt.Seeds.Select(s => s.Seed));
        Assert.Equal(4, pt.TrainExamples);
    }

    [Fact]
    public void Should_Require_Data_For_A_Catalogue_Task_Naming_The_Key()
    {
        using var data = new UserTaskFolder();
        string json = Config(data).Replace($", \"data\": {JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Reviews))}", "");
        var backbone = new EncoderRunBackbone(RunBackbones.MiniLMName, fixture.Model, fixture.Tokenizer, ownsModel: false);
        using var runner = new PipelineRunner(ConfigJson.Parse(json), Path.Combine(data.Root, "run"), new PipelineRunOptions { Backbone = backbone, Reporter = new NoReport(), TaskData = BenchmarkTaskResolver.Instance });

        var e = Assert.Throws<ConfigException>(() => runner.Run(PipelineStages.All));
        Assert.Contains("targets[0].data", e.Message);
        Assert.Contains(UserTaskFolder.Reviews, e.Message);
    }

    [Fact]
    public void Should_Refuse_An_Entry_Without_Data_Naming_The_Key_When_No_Resolver_Is_Given()
    {
        // Given: the library's default (no task-data resolver) and a target naming a real-data benchmark task without data
        using var data = new UserTaskFolder();
        string json = Config(data).Replace($"\"task\": \"{UserTaskFolder.Reviews}\", \"data\": {JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Reviews))}",
            "\"task\": \"word-polarity\"");
        var backbone = new EncoderRunBackbone(RunBackbones.MiniLMName, fixture.Model, fixture.Tokenizer, ownsModel: false);
        using var runner = new PipelineRunner(ConfigJson.Parse(json), Path.Combine(data.Root, "run"), new PipelineRunOptions { Backbone = backbone, Reporter = new NoReport() });

        // When / Then: refused before any work, naming the key and where benchmark tasks are built (nothing downloaded)
        var e = Assert.Throws<ConfigException>(() => runner.Run(PipelineStages.All));
        Assert.Contains("targets[0].data", e.Message);
        Assert.Contains("word-polarity", e.Message);
        Assert.Contains("mpt CLI", e.Message);
        Assert.False(File.Exists(Path.Combine(data.Root, "run", PipelineRunner.ConfigFile)));
    }

    [Fact]
    public void Should_Name_The_Closest_Task_For_A_Typo_Without_Data_Instead_Of_Building_The_Benchmark()
    {
        using var data = new UserTaskFolder();
        string json = Config(data).Replace($"\"task\": \"{UserTaskFolder.Reviews}\", \"data\": {JsonSerializer.Serialize(data.DataDir(UserTaskFolder.Reviews))}",
            "\"task\": \"my-tsak\"");
        var backbone = new EncoderRunBackbone(RunBackbones.MiniLMName, fixture.Model, fixture.Tokenizer, ownsModel: false);
        using var runner = new PipelineRunner(ConfigJson.Parse(json), Path.Combine(data.Root, "run"), new PipelineRunOptions { Backbone = backbone, Reporter = new NoReport(), TaskData = BenchmarkTaskResolver.Instance });

        var e = Assert.Throws<KeyNotFoundException>(() => runner.Run(PipelineStages.All));
        Assert.Contains($"Did you mean '{UserTaskFolder.Reviews}'", e.Message);
    }

    private sealed class NoReport : IRunReporter
    {
        public string? Write(string runDir) => null;
    }

    private sealed class RecordingProgress : IPipelineProgress
    {
        public List<string> Messages { get; } = [];
        public void RunStarted(string label, long totalSteps) { }
        public void StepCompleted(string label, Mpt.Training.TrainingLogEntry entry, double tokensPerSecond, bool log) { }
        public void RunFinished(string label, string summary) { }
        public void Message(string text) => Messages.Add(text);
    }
}
