using Mpt.Model;
using Mpt.Prompts;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Benchmarks;

/// <summary>
/// A randomly initialised T5 of a benchmark shape plus one batch of random token ids — everything a step needs except
/// the prompt. Random weights run exactly the same kernels as trained ones (shapes decide the work), and no checkpoint
/// has to be downloaded.
/// </summary>
internal sealed class BenchmarkWorkload : IDisposable
{
    private BenchmarkWorkload(BenchmarkSettings settings, T5ForConditionalGeneration backbone, Tensor inputIds, Tensor attentionMask, Tensor labels)
    {
        Settings = settings;
        Backbone = backbone;
        InputIds = inputIds;
        AttentionMask = attentionMask;
        Labels = labels;
    }

    public BenchmarkSettings Settings { get; }

    public T5ForConditionalGeneration Backbone { get; }

    /// <summary>Input ids (B, Seq), int64, uniform over the vocabulary except pad and eos.</summary>
    public Tensor InputIds { get; }

    /// <summary>All-ones mask (B, Seq): every example has the full length, like a padded-to-max batch with no padding.</summary>
    public Tensor AttentionMask { get; }

    /// <summary>Labels (B, Target), int64, random non-special ids.</summary>
    public Tensor Labels { get; }

    /// <summary>Validates the settings, sets the thread count and the seed, and builds the model and the batch.</summary>
    public static BenchmarkWorkload Create(BenchmarkSettings settings)
    {
        settings.Validate();
        torch.set_num_threads(settings.Threads);
        torch.manual_seed((long)settings.Seed);
        var config = BenchmarkShapes.Get(settings.Shape);
        var backbone = NewBackbone(config, settings.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32);
        backbone.DropoutKernel = settings.DropoutKernel;
        backbone.AttentionKernel = settings.AttentionKernel;
        backbone.ActivationCheckpointing = settings.ActivationCheckpointing;
        using var generator = new torch.Generator(settings.Seed);
        // Ids 0 (pad) and 1 (eos) are avoided so that no example contains an early end-of-sequence.
        var inputIds = torch.randint(2, config.VocabSize, [settings.Batch, settings.Seq], ScalarType.Int64, generator: generator);
        var labels = torch.randint(2, config.VocabSize, [settings.Batch, settings.Target], ScalarType.Int64, generator: generator);
        var mask = torch.ones(settings.Batch, settings.Seq, ScalarType.Int64);
        foreach (var t in new[] { inputIds, labels, mask }) t.DetachFromDisposeScope();
        return new BenchmarkWorkload(settings, backbone, inputIds, mask, labels);
    }

    /// <summary>
    /// A random model whose parameters are created in <paramref name="dtype"/> directly: building in float32 and then
    /// converting would hold a float32 copy of every weight first (11.4 GB at t5-3b), and the process's peak resident
    /// memory, which the benchmarks report, would count it.
    /// </summary>
    private static T5ForConditionalGeneration NewBackbone(T5Config config, ScalarType dtype)
    {
        var previous = torch.get_default_dtype();
        torch.set_default_dtype(dtype);
        try
        {
            return new T5ForConditionalGeneration(config);
        }
        finally
        {
            torch.set_default_dtype(previous);
        }
    }

    /// <summary>A prompt initialised from the embeddings of l sampled vocabulary ids (the paper's init, PromptInit).</summary>
    public Tensor SampledPromptRows()
    {
        using var noGrad = torch.no_grad();
        using var embeddings = Backbone.SharedWeight.detach().to(ScalarType.Float32);
        return PromptInit.SampledVocabulary(embeddings, Settings.Prompt, Settings.Seed,
            pool: Math.Min(PromptInit.DefaultVocabularyPool, (int)embeddings.shape[0]));
    }

    /// <summary>Number of backbone parameters.</summary>
    public long BackboneParameterCount() => Backbone.parameters().Sum(p => p.numel());

    /// <summary>The common part of every result; the caller adds the timings.</summary>
    public BenchmarkResult Result(string bench, LoopTimings timings, double tokensPerStep, long trainable) => new()
    {
        Bench = bench,
        Shape = Settings.Shape,
        Dtype = Settings.DTypeName,
        Dropout = Backbone.training,
        DropoutKernel = Backbone.training ? DropoutKernelNames.Name(Backbone.DropoutKernel) : null,
        AttentionKernel = AttentionKernelNames.Name(Backbone.AttentionKernel),
        ActivationCheckpointing = Backbone.ActivationCheckpointing,
        Batch = Settings.Batch,
        Seq = Settings.Seq,
        Target = Settings.Target,
        Prompt = Settings.Prompt,
        EncoderLen = Settings.EncoderLength,
        Threads = Settings.Threads,
        Steps = Settings.Steps,
        Warmup = Settings.Warmup,
        MsPerStepMedian = Math.Round(timings.Steps.MedianMs, 2),
        MsMin = Math.Round(timings.Steps.MinMs, 2),
        MsMax = Math.Round(timings.Steps.MaxMs, 2),
        TokensPerS = Math.Round(tokensPerStep / (timings.Steps.MedianMs / 1000.0), 2),
        ExamplesPerS = Math.Round(Settings.Batch / (timings.Steps.MedianMs / 1000.0), 3),
        PeakRssMb = ProcessMemory.PeakResidentMiB() is { } rss ? Math.Round(rss, 1) : null,
        PhaseMsMedian = timings.PhaseMedians,
        BackboneParameters = BackboneParameterCount(),
        TrainableParameters = trainable,
        Loadavg1m = ProcessMemory.LoadAverage1Min(),
    };

    public void Dispose()
    {
        Backbone.Dispose();
        InputIds.Dispose();
        AttentionMask.Dispose();
        Labels.Dispose();
    }
}
