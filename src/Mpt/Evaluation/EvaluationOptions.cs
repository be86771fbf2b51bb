namespace Mpt.Evaluation;

/// <summary>How an evaluation runs. Defaults follow ATTEMPT's evaluation (greedy generation, string match).</summary>
public sealed record EvaluationOptions
{
    /// <summary>The defaults.</summary>
    public static EvaluationOptions Default { get; } = new();

    /// <summary>Examples per forward pass (ATTEMPT's per_device_eval_batch_size is 32 in its configs).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Source tokens including eos; longer sources are truncated with eos kept (paper App. A: 256).</summary>
    public int MaxSourceLength { get; init; } = T5FeatureConverter.DefaultMaxSourceLength;

    /// <summary>
    /// Classification tasks generate at most (longest tokenised label + this margin) new tokens. A margin above 0 lets
    /// the model produce strings longer than any label, which then count as invalid instead of being cut into a valid
    /// prefix ("10" would otherwise read as "1").
    /// </summary>
    public int LabelMargin { get; init; } = 2;

    /// <summary>New tokens generated for free-text tasks (QA), also their max target length (ATTEMPT max_target_length 128).</summary>
    public int FreeTextMaxNewTokens { get; init; } = 128;

    /// <summary>Score each label string with the decoder and take the best instead of generating (classification only).</summary>
    public bool RankClassification { get; init; }

    /// <summary>Sort examples by source length into batches (less padding); results keep the input order either way.</summary>
    public bool SortByLength { get; init; } = true;

    /// <summary>
    /// Score against decode(tokenise(target)) instead of the raw target, as ATTEMPT does (its metrics see the decoded
    /// label ids: text the vocabulary cannot spell, e.g. unknown characters or a ReCoRD "&lt;unk&gt;" target, and text past
    /// the max target length, is lost there too). Label strings such as "0" / "1" round-trip unchanged.
    /// </summary>
    public bool ScoreDecodedTargets { get; init; } = true;

    /// <summary>Checks the values, naming the bad one.</summary>
    public void Validate()
    {
        if (BatchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {BatchSize}.");
        if (MaxSourceLength < 2) throw new ArgumentException($"max source length must be at least 2 (one token plus eos), got {MaxSourceLength}.");
        if (LabelMargin < 0) throw new ArgumentException($"label margin must be ≥ 0, got {LabelMargin}.");
        if (FreeTextMaxNewTokens < 1) throw new ArgumentException($"max new tokens must be at least 1, got {FreeTextMaxNewTokens}.");
    }
}
