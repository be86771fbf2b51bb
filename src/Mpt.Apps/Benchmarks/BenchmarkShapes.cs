using Mpt.Model;

namespace Mpt.Benchmarks;

/// <summary>
/// The T5 shapes the throughput benchmarks build with random weights (no checkpoint needed), by their Hugging Face
/// names. Values are those of the public <c>config.json</c> files of google-t5/t5-small, google-t5/t5-base,
/// google-t5/t5-large, google-t5/t5-3b and google/t5-v1_1-small; only the shapes matter for speed and memory.
/// </summary>
public static class BenchmarkShapes
{
    /// <summary>T5's SentencePiece vocabulary (32,000 pieces) plus 100 sentinels, padded to 32,128 rows by HF.</summary>
    public const int T5VocabSize = 32128;

    /// <summary>
    /// A deliberately tiny shape for tests (d 32, 2+2 layers, vocab 256): it exercises every code path of the benchmarks
    /// in milliseconds. Accepted by <see cref="Get"/> but not listed in <see cref="Names"/>.
    /// </summary>
    public const string Tiny = "tiny";

    private static readonly Dictionary<string, T5Config> Shapes = new(StringComparer.Ordinal)
    {
        // https://huggingface.co/google-t5/t5-small/blob/main/config.json
        ["t5-small"] = Config(dModel: 512, dFf: 2048, layers: 6, heads: 8, dKv: 64, feedForwardProj: "relu", tied: true),
        // https://huggingface.co/google-t5/t5-base/blob/main/config.json
        ["t5-base"] = Config(dModel: 768, dFf: 3072, layers: 12, heads: 12, dKv: 64, feedForwardProj: "relu", tied: true),
        // https://huggingface.co/google-t5/t5-large/blob/main/config.json (737.7 M parameters)
        ["t5-large"] = Config(dModel: 1024, dFf: 4096, layers: 24, heads: 16, dKv: 64, feedForwardProj: "relu", tied: true),
        // https://huggingface.co/google-t5/t5-3b/blob/main/config.json (2.85 B parameters: 32 heads of d_kv 128, so the
        // attention's inner width 4096 is four times d_model)
        ["t5-3b"] = Config(dModel: 1024, dFf: 16384, layers: 24, heads: 32, dKv: 128, feedForwardProj: "relu", tied: true),
        // https://huggingface.co/google/t5-v1_1-small/blob/main/config.json (gated-gelu = gelu_new gate, untied lm_head)
        ["t5-v1_1-small"] = Config(dModel: 512, dFf: 1024, layers: 8, heads: 6, dKv: 64, feedForwardProj: "gated-gelu", tied: false),
        [Tiny] = Config(dModel: 32, dFf: 64, layers: 2, heads: 4, dKv: 8, feedForwardProj: "relu", tied: true, vocab: 256),
    };

    /// <summary>The public shape names, for help texts and suggestions (the test-only <see cref="Tiny"/> is left out).</summary>
    public static IReadOnlyList<string> Names { get; } = Shapes.Keys.Where(k => k != Tiny).ToList();

    /// <summary>True when <paramref name="name"/> is a known shape (including <see cref="Tiny"/>).</summary>
    public static bool Contains(string name) => Shapes.ContainsKey(name);

    /// <summary>The configuration of a named shape.</summary>
    /// <exception cref="ArgumentException">Unknown name (the message lists the known ones).</exception>
    public static T5Config Get(string name) => Shapes.TryGetValue(name, out var config)
        ? config
        : throw new ArgumentException($"unknown model shape '{name}' (known: {string.Join(", ", Names)}).", nameof(name));

    private static T5Config Config(int dModel, int dFf, int layers, int heads, int dKv, string feedForwardProj, bool tied, int vocab = T5VocabSize)
    {
        var (activation, gated) = T5Config.ParseFeedForwardProj(feedForwardProj);
        var config = new T5Config
        {
            VocabSize = vocab,
            DModel = dModel,
            DFf = dFf,
            DKv = dKv,
            NumLayers = layers,
            NumDecoderLayers = layers,
            NumHeads = heads,
            FeedForwardProj = feedForwardProj,
            DenseActFn = activation,
            IsGatedAct = gated,
            TieWordEmbeddings = tied,
            DecoderStartTokenId = 0,
        };
        config.Validate($"benchmark shape (d_model {dModel})");
        return config;
    }
}
