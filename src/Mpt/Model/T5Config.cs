using System.Text.Json;
using Mpt.Serialization;

namespace Mpt.Model;

/// <summary>
/// The hyper-parameters of a T5 encoder-decoder, read from a Hugging Face <c>config.json</c>
/// (transformers <c>T5Config</c>, v4.40). Property names are the JSON keys in PascalCase; unknown keys are ignored.
/// </summary>
/// <remarks>
/// Deliberate deviation from HF: the six fields that fix the weight shapes (<c>vocab_size</c>, <c>d_model</c>,
/// <c>d_kv</c>, <c>d_ff</c>, <c>num_layers</c>, <c>num_heads</c>) are required. HF silently falls back to t5-small's
/// values, which for a checkpoint folder only turns a broken config into a confusing shape error later.
/// Every other field has HF's default.
/// </remarks>
public sealed record T5Config
{
    /// <summary>Activation names accepted in <c>dense_act_fn</c> / after the optional "gated-" prefix of
    /// <c>feed_forward_proj</c> (the subset of HF's ACT2FN that T5-family checkpoints use).</summary>
    public static readonly IReadOnlyList<string> SupportedActivations =
        ["relu", "gelu", "gelu_new", "gelu_fast", "gelu_pytorch_tanh", "quick_gelu", "silu", "swish", "mish", "tanh", "sigmoid", "relu6", "linear"];

    /// <summary>Vocabulary size (rows of <c>shared.weight</c>). Required.</summary>
    public required int VocabSize { get; init; }

    /// <summary>Hidden width of the residual stream. Required.</summary>
    public required int DModel { get; init; }

    /// <summary>Width of one attention head; need not equal d_model / num_heads. Required.</summary>
    public required int DKv { get; init; }

    /// <summary>Inner width of the feed-forward layer. Required.</summary>
    public required int DFf { get; init; }

    /// <summary>Number of encoder blocks. Required.</summary>
    public required int NumLayers { get; init; }

    /// <summary>Number of decoder blocks; HF uses <see cref="NumLayers"/> when the key is absent or null.</summary>
    public required int NumDecoderLayers { get; init; }

    /// <summary>Number of attention heads. Required.</summary>
    public required int NumHeads { get; init; }

    /// <summary>Number of relative-position buckets (rows of <c>relative_attention_bias</c>).</summary>
    public int RelativeAttentionNumBuckets { get; init; } = 32;

    /// <summary>Distance beyond which all relative positions share the last (logarithmic) bucket.</summary>
    public int RelativeAttentionMaxDistance { get; init; } = 128;

    /// <summary>Dropout probability used in train mode (HF applies it to embeddings, attention weights, each
    /// sub-layer output, the feed-forward hidden layer and the final norm output).</summary>
    public double DropoutRate { get; init; } = 0.1;

    /// <summary>Epsilon of the RMS norm (T5LayerNorm).</summary>
    public double LayerNormEpsilon { get; init; } = 1e-6;

    /// <summary>Initialisation scale factor (only used for random initialisation; kept for round trips).</summary>
    public double InitializerFactor { get; init; } = 1.0;

    /// <summary>Feed-forward kind: "relu" (T5 v1.0), "gated-gelu" (T5 v1.1 / Flan), or "[gated-]ACT" in general.</summary>
    public string FeedForwardProj { get; init; } = "relu";

    /// <summary>True for a gated feed-forward (wi_0, wi_1): derived from <see cref="FeedForwardProj"/>.</summary>
    public bool IsGatedAct { get; init; }

    /// <summary>Activation of the feed-forward layer: derived from <see cref="FeedForwardProj"/>
    /// ("gated-gelu" maps to "gelu_new" for backwards compatibility, as in HF).</summary>
    public string DenseActFn { get; init; } = "relu";

    /// <summary>True when lm_head shares <c>shared.weight</c> (then the decoder output is scaled by d_model^-0.5).</summary>
    public bool TieWordEmbeddings { get; init; } = true;

    /// <summary>Padding token id.</summary>
    public long PadTokenId { get; init; }

    /// <summary>End-of-sequence token id.</summary>
    public long EosTokenId { get; init; } = 1;

    /// <summary>First decoder token; HF configs of T5 carry 0 (= pad). Null when the config does not say.</summary>
    public long? DecoderStartTokenId { get; init; }

    /// <summary>Whether generation uses a key/value cache (informational here; <c>Generate</c> always caches).</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>HF model type, "t5".</summary>
    public string ModelType { get; init; } = "t5";

    /// <summary>HF architecture names, e.g. ["T5ForConditionalGeneration"].</summary>
    public IReadOnlyList<string>? Architectures { get; init; }

    /// <summary>dtype the checkpoint was saved in ("float32", "bfloat16", ...), informational.</summary>
    public string? TorchDtype { get; init; }

    /// <summary>Always true for T5.</summary>
    public bool IsEncoderDecoder { get; init; } = true;

    /// <summary>Dropout of HF's classification heads (unused by the LM; kept for round trips).</summary>
    public double ClassifierDropout { get; init; }

    /// <summary>transformers version that wrote the file, informational.</summary>
    public string? TransformersVersion { get; init; }

    /// <summary>Width of the concatenated attention heads, num_heads * d_kv.</summary>
    public int InnerDim => NumHeads * DKv;

    /// <summary>The decoder start id, or a clear error when the config has none (HF raises too).</summary>
    public long RequireDecoderStartTokenId() => DecoderStartTokenId
        ?? throw new InvalidOperationException("T5 config has no decoder_start_token_id (T5 checkpoints use 0); cannot shift labels right or generate.");

    /// <summary>Reads and validates a <c>config.json</c>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Malformed JSON, a missing required field, a wrong type or an unsupported value (the message names the file and field).</exception>
    public static T5Config FromJsonFile(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"T5 config file '{path}' does not exist.", path);
        return FromJson(File.ReadAllText(path), path);
    }

    /// <summary>Parses and validates config JSON; <paramref name="source"/> names the origin in error messages.</summary>
    /// <exception cref="InvalidDataException">Malformed JSON, a missing required field, a wrong type or an unsupported value.</exception>
    public static T5Config FromJson(string json, string source = "config.json") => ErrorText.OneLineRejections(() => FromJsonCore(json, source));

    private static T5Config FromJsonCore(string json, string source = "config.json")
    {
        var r = new HfJsonFields(HfJsonFields.ParseObject(json, source), source);

        int numLayers = r.RequiredInt("num_layers");
        string feedForwardProj = r.String("feed_forward_proj") ?? "relu";
        var (derivedAct, derivedGated) = ParseFeedForwardProj(feedForwardProj, source);

        var config = new T5Config
        {
            VocabSize = r.RequiredInt("vocab_size"),
            DModel = r.RequiredInt("d_model"),
            DKv = r.RequiredInt("d_kv"),
            DFf = r.RequiredInt("d_ff"),
            NumLayers = numLayers,
            // HF: num_decoder_layers if num_decoder_layers is not None else num_layers
            NumDecoderLayers = r.Int("num_decoder_layers") ?? numLayers,
            NumHeads = r.RequiredInt("num_heads"),
            RelativeAttentionNumBuckets = r.Int("relative_attention_num_buckets") ?? 32,
            RelativeAttentionMaxDistance = r.Int("relative_attention_max_distance") ?? 128,
            DropoutRate = r.Double("dropout_rate") ?? 0.1,
            LayerNormEpsilon = r.Double("layer_norm_epsilon") ?? 1e-6,
            InitializerFactor = r.Double("initializer_factor") ?? 1.0,
            FeedForwardProj = feedForwardProj,
            // HF's T5Config derives these from feed_forward_proj, then PretrainedConfig.__init__ sets every
            // left-over kwarg, so explicit keys in the file win (save_pretrained always writes consistent ones).
            DenseActFn = r.String("dense_act_fn") ?? derivedAct,
            IsGatedAct = r.Bool("is_gated_act") ?? derivedGated,
            TieWordEmbeddings = r.Bool("tie_word_embeddings") ?? true,
            PadTokenId = r.Long("pad_token_id") ?? 0,
            EosTokenId = r.Long("eos_token_id") ?? 1,
            DecoderStartTokenId = r.Long("decoder_start_token_id"),
            UseCache = r.Bool("use_cache") ?? true,
            ModelType = r.String("model_type") ?? "t5",
            Architectures = r.StringList("architectures"),
            TorchDtype = r.String("torch_dtype"),
            IsEncoderDecoder = r.Bool("is_encoder_decoder") ?? true,
            ClassifierDropout = r.Double("classifier_dropout") ?? 0.0,
            TransformersVersion = r.String("transformers_version"),
        };
        config.Validate(source);
        return config;
    }

    /// <summary>
    /// HF's rule (T5Config.__init__): split on '-'; the last part is the activation; "gated" as first part makes the
    /// layer gated; anything else with a dash is an error; "gated-gelu" means "gelu_new" (backwards compatibility).
    /// </summary>
    /// <exception cref="InvalidDataException">The value does not follow the rule or names an unsupported activation.</exception>
    public static (string Activation, bool IsGated) ParseFeedForwardProj(string feedForwardProj, string source = "config.json")
    {
        string[] parts = feedForwardProj.Split('-');
        bool gated = parts[0] == "gated";
        string act = parts[^1];
        bool wellFormed = parts.Length == 1 || (parts.Length == 2 && gated);
        if (!wellFormed || !SupportedActivations.Contains(act))
            throw new InvalidDataException(
                $"{source}: unsupported feed_forward_proj '{feedForwardProj}' (expected relu, gated-gelu, or [gated-]ACT with ACT one of {string.Join(", ", SupportedActivations)}).");
        if (feedForwardProj == "gated-gelu") act = "gelu_new";
        return (act, gated);
    }

    /// <summary>Checks value ranges; <paramref name="source"/> names the origin in error messages.</summary>
    /// <exception cref="InvalidDataException">A field is out of range or names an unsupported activation.</exception>
    public void Validate(string source = "config.json")
    {
        void Positive(string field, int value)
        {
            if (value <= 0) throw new InvalidDataException($"{source}: {field} must be positive, got {value}.");
        }
        Positive("vocab_size", VocabSize);
        Positive("d_model", DModel);
        Positive("d_kv", DKv);
        Positive("d_ff", DFf);
        Positive("num_layers", NumLayers);
        Positive("num_decoder_layers", NumDecoderLayers);
        Positive("num_heads", NumHeads);
        // The bucket formula needs max_exact = buckets/2 (bidirectional: buckets/4) >= 1 and log(max_distance/max_exact) > 0.
        if (RelativeAttentionNumBuckets < 4)
            throw new InvalidDataException($"{source}: relative_attention_num_buckets must be at least 4, got {RelativeAttentionNumBuckets}.");
        if (RelativeAttentionMaxDistance <= RelativeAttentionNumBuckets / 4)
            throw new InvalidDataException($"{source}: relative_attention_max_distance ({RelativeAttentionMaxDistance}) must exceed relative_attention_num_buckets/4.");
        if (DropoutRate is < 0 or >= 1)
            throw new InvalidDataException($"{source}: dropout_rate must be in [0, 1), got {DropoutRate}.");
        if (LayerNormEpsilon <= 0)
            throw new InvalidDataException($"{source}: layer_norm_epsilon must be positive, got {LayerNormEpsilon}.");
        ParseFeedForwardProj(FeedForwardProj, source);
        if (!SupportedActivations.Contains(DenseActFn))
            throw new InvalidDataException($"{source}: unsupported dense_act_fn '{DenseActFn}' (expected one of {string.Join(", ", SupportedActivations)}).");
    }

    /// <summary>
    /// Number of values in <see cref="ExpectedStateDictShapes"/>, computed from the sizes alone (constant time, and a
    /// double so that a corrupt config cannot overflow it): the count to compare with a checkpoint before listing or
    /// allocating that many layers.
    /// </summary>
    public double ParameterCount()
    {
        double d = DModel, inner = InnerDim, ff = DFf, bias = (double)RelativeAttentionNumBuckets * NumHeads;
        double attention = 4 * inner * d;
        double feedForward = (IsGatedAct ? 3 : 2) * ff * d + d;           // wi (or wi_0, wi_1), wo, layer_norm
        double encoderBlock = attention + d + feedForward;
        double decoderBlock = 2 * attention + 2 * d + feedForward;
        return (TieWordEmbeddings ? 1 : 2) * (double)VocabSize * d
            + (double)NumLayers * encoderBlock + bias + d
            + (double)NumDecoderLayers * decoderBlock + bias + d;
    }

    /// <summary>
    /// Every tensor HF <c>save_pretrained</c> writes for this config, with its shape: tied duplicates removed
    /// (<c>shared.weight</c> always, <c>lm_head.weight</c> only when untied, never <c>*.embed_tokens.weight</c>).
    /// </summary>
    public IReadOnlyDictionary<string, long[]> ExpectedStateDictShapes()
    {
        long d = DModel, inner = InnerDim, ff = DFf;
        var shapes = new SortedDictionary<string, long[]>(StringComparer.Ordinal) { ["shared.weight"] = [VocabSize, d] };
        if (!TieWordEmbeddings) shapes["lm_head.weight"] = [VocabSize, d];

        void Attention(string prefix, bool withBias)
        {
            foreach (string p in new[] { "q", "k", "v" }) shapes[$"{prefix}.{p}.weight"] = [inner, d];
            shapes[$"{prefix}.o.weight"] = [d, inner];
            if (withBias) shapes[$"{prefix}.relative_attention_bias.weight"] = [RelativeAttentionNumBuckets, NumHeads];
        }
        void FeedForward(string prefix)
        {
            if (IsGatedAct)
            {
                shapes[$"{prefix}.DenseReluDense.wi_0.weight"] = [ff, d];
                shapes[$"{prefix}.DenseReluDense.wi_1.weight"] = [ff, d];
            }
            else
            {
                shapes[$"{prefix}.DenseReluDense.wi.weight"] = [ff, d];
            }
            shapes[$"{prefix}.DenseReluDense.wo.weight"] = [d, ff];
            shapes[$"{prefix}.layer_norm.weight"] = [d];
        }

        for (int i = 0; i < NumLayers; i++)
        {
            string b = $"encoder.block.{i}.layer";
            Attention($"{b}.0.SelfAttention", withBias: i == 0);
            shapes[$"{b}.0.layer_norm.weight"] = [d];
            FeedForward($"{b}.1");
        }
        shapes["encoder.final_layer_norm.weight"] = [d];
        for (int i = 0; i < NumDecoderLayers; i++)
        {
            string b = $"decoder.block.{i}.layer";
            Attention($"{b}.0.SelfAttention", withBias: i == 0);
            shapes[$"{b}.0.layer_norm.weight"] = [d];
            Attention($"{b}.1.EncDecAttention", withBias: false);
            shapes[$"{b}.1.layer_norm.weight"] = [d];
            FeedForward($"{b}.2");
        }
        shapes["decoder.final_layer_norm.weight"] = [d];
        return shapes;
    }

    /// <summary>Serialises the config like HF's <c>to_json_string</c>: snake_case keys, sorted, 2-space indent.</summary>
    public string ToJson()
    {
        var fields = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["architectures"] = Architectures,
            ["classifier_dropout"] = ClassifierDropout,
            ["d_ff"] = DFf,
            ["d_kv"] = DKv,
            ["d_model"] = DModel,
            ["decoder_start_token_id"] = DecoderStartTokenId,
            ["dense_act_fn"] = DenseActFn,
            ["dropout_rate"] = DropoutRate,
            ["eos_token_id"] = EosTokenId,
            ["feed_forward_proj"] = FeedForwardProj,
            ["initializer_factor"] = InitializerFactor,
            ["is_encoder_decoder"] = IsEncoderDecoder,
            ["is_gated_act"] = IsGatedAct,
            ["layer_norm_epsilon"] = LayerNormEpsilon,
            ["model_type"] = ModelType,
            ["num_decoder_layers"] = NumDecoderLayers,
            ["num_heads"] = NumHeads,
            ["num_layers"] = NumLayers,
            ["pad_token_id"] = PadTokenId,
            ["relative_attention_max_distance"] = RelativeAttentionMaxDistance,
            ["relative_attention_num_buckets"] = RelativeAttentionNumBuckets,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["torch_dtype"] = TorchDtype,
            ["transformers_version"] = TransformersVersion,
            ["use_cache"] = UseCache,
            ["vocab_size"] = VocabSize,
        };
        // HF omits nothing; we drop keys whose value is unknown (null) so a round trip does not invent values.
        var present = fields.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value);
        return JsonSerializer.Serialize(present, new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
