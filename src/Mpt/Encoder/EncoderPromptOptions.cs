namespace Mpt.Encoder;

/// <summary>How a soft prompt is used on a BERT encoder that classifies by similarity (see <see cref="PromptedEncoder"/>).</summary>
public sealed record EncoderPromptOptions
{
    /// <summary>τ of score_c = cos(pooled, e_c) / τ (0.05 beat 0.1 in docs/data.md's reference run).</summary>
    public double Temperature { get; init; } = SimilarityVerbalizer.DefaultTemperature;

    /// <summary>
    /// Whether the l prompt positions count in the mean pooling of the input (default false: only the input tokens, the
    /// positions the label embeddings are pooled over, so both sides of the cosine are the same kind of vector;
    /// docs/data.md's reference run measured the two choices within noise).
    /// </summary>
    public bool PoolPromptPositions { get; init; }

    /// <summary>Longest label description in tokens.</summary>
    public int LabelMaxLength { get; init; } = 128;

    /// <summary>
    /// First vocabulary id the sampled-vocabulary prompt init draws from. Default 1996, "the" in the bert-base-uncased
    /// vocabulary all-MiniLM-L6-v2 uses: below it are [PAD] (0), the special tokens (100-103), 994 [unusedN] rows that
    /// were never trained (1-99, 104-998) and single characters (999-1995); from 1996 on come whole words, roughly most
    /// frequent first — the analogue of the "first 5000 T5 ids" ATTEMPT samples from.
    /// </summary>
    public int VocabularyInitFirstId { get; init; } = 1996;
}
