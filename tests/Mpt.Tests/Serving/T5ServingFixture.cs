using Mpt.Backbones;
using Mpt.Checkpoints;
using Mpt.Model;
using Mpt.Evaluation;
using Mpt.Peft;
using Mpt.Pipeline;
using Mpt.Prompts;
using Mpt.Serving;
using Mpt.Tasks;
using Mpt.Tests.Evaluation;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>
/// A tiny random T5 folder (<see cref="TinyEvaluationWorkspace"/>: the golden tokenizer, a random model of the golden
/// architecture) and four adapters for it, each with the facade's <c>mpt_task.json</c>: two classification tasks of prompt
/// length 3 with different label sets (a soft prompt and a one-task MPT prompt P* ∘ (u v)), a task without labels
/// (generation) of the same length, and a classification task of prompt length 5. Random prompts: the tests check
/// plumbing and numerics, not learning.
/// </summary>
public sealed class T5ServingFixture : IDisposable
{
    public const int Length = 3;
    public const float NoiseScale = 0.5f;
    public const int LongLength = 5;
    public const string YesNo = "yes-no";
    public const string Colour = "colour";
    public const string Echo = "echo";
    public const string Size = "size";

    public static readonly string[] YesNoLabels = ["yes", "no"];
    public static readonly string[] ColourLabels = ["red", "green", "blue"];
    public static readonly string[] SizeLabels = ["big", "small"];

    public T5ServingFixture()
    {
        // The workspace's model, as T5 initialises it, greedily generates pad tokens whatever the input (empty texts) and
        // ranks the labels alike for every input; noise on every weight makes answers that depend on the input and prompt.
        using (var model = new T5ForConditionalGeneration(Workspace.Config))
        using (var generator = new torch.Generator(17))
        using (torch.no_grad())
        {
            model.load_state_dict(Workspace.Model.state_dict());
            foreach (var p in model.parameters()) p.add_(torch.randn(p.shape, generator: generator) * NoiseScale);
            SafetensorsFile.Write(Path.Combine(Workspace.ModelDir, "model.safetensors"), model.state_dict());
        }
        Backbone = (T5RunBackbone)RunBackbones.Load(new ModelConfig { Path = Workspace.ModelDir }, new EvaluateConfig(), "model");
        int d = Workspace.Config.DModel;
        using (var values = Random(Length, d, 1))
        using (var soft = new SoftPrompt(values))
            Save(YesNo, soft, YesNoLabels);
        using (var scope = torch.NewDisposeScope())
        using (var mpt = new MultitaskPrompt(Random(Length, d, 2), 1f + Random(Length, 1, 12).unsqueeze(0), 1f + Random(1, d, 13).unsqueeze(0)))
            Save(Colour, mpt, ColourLabels);
        using (var values = Random(Length, d, 3))
        using (var soft = new SoftPrompt(values))
            Save(Echo, soft, []);
        using (var values = Random(LongLength, d, 4))
        using (var soft = new SoftPrompt(values))
            Save(Size, soft, SizeLabels);
    }

    internal TinyEvaluationWorkspace Workspace { get; } = new();

    public T5RunBackbone Backbone { get; }

    public TaskCatalog Catalog { get; } = TaskCatalog.CreateDefault();

    /// <summary>The adapter folder of a task.</summary>
    public string Adapter(string task) => Workspace.PathOf(task);

    /// <summary>The sources <c>mpt serve --prompts</c> gets in these tests (each adapter names its task in mpt_task.json).</summary>
    public string[] Sources => [Adapter(YesNo), Adapter(Colour), Adapter(Echo), Adapter(Size)];

    /// <summary>Starts a server on a free loopback port over a new registry of <see cref="Sources"/>.</summary>
    public async Task<RunningServer> StartAsync(BatchingOptions? batching = null)
    {
        var registry = new PromptRegistry(Backbone, Catalog);
        try
        {
            foreach (string source in Sources) registry.Add(source);
        }
        catch
        {
            registry.Dispose();
            throw;
        }
        var predictor = new BatchingPredictor(registry, batching);
        var app = MptServer.Create(predictor, new ServeOptions { Port = 0 });
        await app.StartAsync();
        await predictor.WarmUpAsync();
        return new RunningServer(registry, predictor, app);
    }

    /// <summary>
    /// What the library computes for one task alone, as <c>mpt predict</c> builds it: the prompt loaded by PromptLoading,
    /// a PromptedT5 evaluated by <see cref="Evaluator"/> with the server's default source length and token bound.
    /// </summary>
    public Evaluator Reference(string task, out IDisposable prompt)
    {
        var loaded = PromptLoading.Load(Adapter(task), Backbone.Fingerprint, allowMismatch: false);
        prompt = loaded;
        var defaults = new BatchingOptions();
        return new Evaluator(EvaluationModel.WithPrompt(new PromptedT5(Backbone.Model, loaded)), Backbone.Tokenizer,
            new EvaluationOptions { MaxSourceLength = defaults.MaxSourceLength, FreeTextMaxNewTokens = defaults.MaxNewTokens });
    }

    /// <summary>The evaluator's rank-classification log-likelihoods of <paramref name="labels"/>, per input.</summary>
    public double[,] RankReference(string task, IReadOnlyList<string> labels, IReadOnlyList<string> inputs)
    {
        var evaluator = Reference(task, out var prompt);
        using (prompt) return evaluator.RankScores(inputs, labels);
    }

    /// <summary>The evaluator's greedy generations, as <c>mpt predict</c> writes them for a .txt file.</summary>
    public IReadOnlyList<string> GenerationReference(string task, IReadOnlyList<string> inputs)
    {
        var evaluator = Reference(task, out var prompt);
        using (prompt) return evaluator.Generate(inputs, new BatchingOptions().MaxNewTokens);
    }

    public void Dispose()
    {
        Backbone.Dispose();
        Workspace.Dispose();
    }

    private void Save(string task, PromptEncoder prompt, string[] labels)
    {
        string folder = Adapter(task);
        PeftAdapter.Save(folder, Backbone.AdapterConfig(prompt), prompt, Backbone.Fingerprint);
        PromptTaskFile.Write(folder, new PromptTask("t5", task, labels, labels));
    }

    private static torch.Tensor Random(int length, int width, ulong seed)
    {
        using var generator = new torch.Generator(seed);
        using var scope = torch.NewDisposeScope();
        return (torch.randn([length, width], generator: generator) * 0.5f).MoveToOuterDisposeScope();
    }
}

[CollectionDefinition(Name)]
public sealed class T5ServingCollection : ICollectionFixture<T5ServingFixture>
{
    public const string Name = "T5 serving";
}
