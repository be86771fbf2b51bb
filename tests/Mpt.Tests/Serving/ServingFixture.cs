using System.Net.Http.Json;
using System.Text.Json;
using Mpt.Backbones;
using Mpt.Evaluation;
using Mpt.Peft;
using Mpt.Pipeline;
using Mpt.Prompts;
using Mpt.Serving;
using Mpt.Tasks;
using Mpt.Tests.Pipeline;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>
/// MiniLM and prompts to serve, written as the pipeline and the facade write them: a run folder
/// (<c>adapt/my-task/{mpt,pt}/seed-S/adapter</c>, the MPT one a one-task MultitaskPrompt as adaptation leaves it, and a
/// baseline folder without adapter), an Mpt prompt file of another length (l = 6) for the user's topic task, and an adapter
/// with the facade's <c>mpt_task.json</c> for a task no catalog knows. Random prompts: the tests check plumbing and
/// numerics, not learning.
/// </summary>
public sealed class ServingFixture : IDisposable
{
    public const int Length = 4;
    public const int TopicLength = 6;
    public const string Weather = "weather";

    internal UserTaskFolder Data { get; } = new();

    public ServingFixture()
    {
        Backbone = (EncoderRunBackbone)RunBackbones.Load(new ModelConfig { Path = "minilm" }, new EvaluateConfig(), "model");
        Catalog = TaskCatalog.CreateDefault();
        UserTaskFile.RegisterAll(Catalog, Data.TaskFile);
        RunFolder = Path.Combine(Data.Root, "run");
        int d = Backbone.Model.Config.HiddenSize;
        using (var shared = Random(Length, d, 1))
        using (var mpt = MultitaskPrompt.Create(shared, 1, seed: 11))
            SaveAdapter(Path.Combine(RunFolder, PipelineRunner.AdaptDir, UserTaskFolder.Reviews, "mpt", "seed-1", PipelineRunner.AdapterDir), mpt);
        SaveSoft(Path.Combine(RunFolder, PipelineRunner.AdaptDir, UserTaskFolder.Reviews, "mpt", "seed-2", PipelineRunner.AdapterDir), Random(Length, d, 2));
        SaveSoft(Path.Combine(RunFolder, PipelineRunner.AdaptDir, UserTaskFolder.Reviews, "pt", "seed-1", PipelineRunner.AdapterDir), Random(Length, d, 3));
        Directory.CreateDirectory(Path.Combine(RunFolder, PipelineRunner.AdaptDir, UserTaskFolder.Reviews, "majority", "seed-1"));
        // What mpt run records of its tasks: the task file and every target's data (mpt serve reads the definitions from it).
        File.WriteAllText(Path.Combine(RunFolder, PipelineRunner.ConfigFile), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["task_file"] = Data.TaskFile,
            ["targets"] = new[] { new Dictionary<string, string> { ["task"] = UserTaskFolder.Reviews, ["data"] = Data.DataDir(UserTaskFolder.Reviews) } },
        }));
        TopicFile = Path.Combine(Data.Root, "topic.safetensors");
        using (var topic = new SoftPrompt(Random(TopicLength, d, 4)))
            Mpt.Checkpoints.SafetensorsFile.Write(TopicFile, topic.PeftTensors());
        WeatherAdapter = Path.Combine(Data.Root, "weather-adapter");
        SaveSoft(WeatherAdapter, Random(Length, d, 5));
        PromptTaskFile.Write(WeatherAdapter, new PromptTask("minilm", Weather, ["sunny", "rainy"], ["sunny weather", "rain and clouds"]));
    }

    public EncoderRunBackbone Backbone { get; }

    public TaskCatalog Catalog { get; }

    public string RunFolder { get; }

    public string TopicFile { get; }

    public string WeatherAdapter { get; }

    /// <summary>The sources <c>mpt serve --prompts</c> gets in these tests.</summary>
    public string[] Sources => [RunFolder, $"{UserTaskFolder.Topic}={TopicFile}", WeatherAdapter];

    /// <summary>The adapter folder of run prompt METHOD/seed-S of my-task.</summary>
    public string RunAdapter(string method, int seed) =>
        Path.Combine(RunFolder, PipelineRunner.AdaptDir, UserTaskFolder.Reviews, method, $"seed-{seed}", PipelineRunner.AdapterDir);

    /// <summary>A registry of <see cref="Sources"/>.</summary>
    public PromptRegistry Registry()
    {
        var registry = new PromptRegistry(Backbone, Catalog);
        try
        {
            foreach (string source in Sources) registry.Add(source);
            return registry;
        }
        catch
        {
            registry.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What <c>mpt predict</c> computes for an encoder (PredictCommand.EncoderPredictions): the task alone in its task set,
    /// the prompt loaded by PromptLoading, the verbaliser's score of every label per input.
    /// </summary>
    public IReadOnlyList<float[]> Reference(TaskDefinition task, string promptPath, IReadOnlyList<string> inputs)
    {
        using var set = (EncoderRunBackbone.TaskSet)Backbone.ForTasks([task]);
        using var prompt = PromptLoading.Load(promptPath, Backbone.Fingerprint, allowMismatch: false);
        var rows = inputs.Select(t => new TextToTextRow(t, "", "", new Dictionary<string, object?>())).ToList();
        return set.LabelScores(set.PromptBackbone.WithPrompt(prompt), 0, rows, new BatchingOptions().MaxSourceLength);
    }

    /// <summary>The definition of the weather task, from its sidecar (as PromptedModel.Load reads it).</summary>
    public TaskDefinition WeatherTask => PromptTaskFile.Read(WeatherAdapter)!.Definition();

    /// <summary>Starts a server on a free loopback port (port 0) over a new registry of <see cref="Sources"/>.</summary>
    public async Task<RunningServer> StartAsync(BatchingOptions? batching = null, ServingLimits? limits = null, bool warmUp = true, AdminOptions? admin = null)
    {
        var registry = Registry();
        var predictor = new BatchingPredictor(registry, batching);
        var app = MptServer.Create(predictor, new ServeOptions { Port = 0, Limits = limits ?? new ServingLimits(), Admin = admin ?? new AdminOptions() });
        await app.StartAsync();
        if (warmUp) await predictor.WarmUpAsync();
        return new RunningServer(registry, predictor, app);
    }

    public void Dispose()
    {
        Backbone.Dispose();
        Data.Dispose();
    }

    private static torch.Tensor Random(int length, int width, ulong seed)
    {
        using var generator = new torch.Generator(seed);
        using var scope = torch.NewDisposeScope();
        return (torch.randn([length, width], generator: generator) * 0.5f).MoveToOuterDisposeScope();
    }

    /// <summary>A soft-prompt adapter of length <see cref="Length"/> with random values of <paramref name="seed"/> at <paramref name="folder"/>.</summary>
    public void SaveRandomAdapter(string folder, ulong seed, ModelFingerprint? fingerprint = null)
    {
        using var values = Random(Length, Backbone.Model.Config.HiddenSize, seed);
        using var prompt = new SoftPrompt(values);
        PeftAdapter.Save(folder, Backbone.AdapterConfig(prompt), prompt, fingerprint ?? Backbone.Fingerprint);
    }

    /// <summary>
    /// A one-task MPT adapter P* ∘ (u v) at <paramref name="folder"/>: P* random of <paramref name="sharedSeed"/> (the
    /// same seed gives the same P*, as the targets of one multitask run share it), rank-1 u, v of <paramref name="taskSeed"/>.
    /// </summary>
    public void SaveMultitaskAdapter(string folder, ulong sharedSeed, ulong taskSeed)
    {
        int d = Backbone.Model.Config.HiddenSize;
        using var scope = torch.NewDisposeScope();
        var shared = Random(Length, d, sharedSeed);
        var cols = 1f + Random(Length, 1, taskSeed).unsqueeze(0);
        var rows = 1f + Random(1, d, taskSeed + 1000).unsqueeze(0);
        using var prompt = new MultitaskPrompt(shared, cols, rows);
        SaveAdapter(folder, prompt);
    }

    private void SaveSoft(string folder, torch.Tensor values)
    {
        using (values)
        using (var prompt = new SoftPrompt(values))
            SaveAdapter(folder, prompt);
    }

    private void SaveAdapter(string folder, PromptEncoder prompt) =>
        PeftAdapter.Save(folder, Backbone.AdapterConfig(prompt), prompt, Backbone.Fingerprint);
}

[CollectionDefinition(Name)]
public sealed class ServingCollection : ICollectionFixture<ServingFixture>
{
    public const string Name = "Serving";
}
