using Mpt.Evaluation;

namespace Mpt.Pipeline;

/// <summary>Dev and test evaluation of the stages (section <c>evaluate</c>); see <see cref="EvaluationOptions"/>.</summary>
public sealed record EvaluateConfig
{
    /// <summary>Examples per forward pass.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Score each label instead of generating (classification tasks).</summary>
    public bool RankClassification { get; init; }

    /// <summary>Tokens generated for free-text tasks.</summary>
    public int MaxNewTokens { get; init; } = 128;

    /// <summary>Checks the section.</summary>
    public void Validate(string path = "evaluate")
    {
        ConfigChecks.AtLeast($"{path}.batch_size", BatchSize, 1);
        ConfigChecks.AtLeast($"{path}.max_new_tokens", MaxNewTokens, 1);
    }

    /// <summary>The library options for inputs of at most <paramref name="maxSourceLength"/> tokens.</summary>
    public EvaluationOptions ToOptions(int maxSourceLength) => new()
    {
        BatchSize = BatchSize,
        RankClassification = RankClassification,
        FreeTextMaxNewTokens = MaxNewTokens,
        MaxSourceLength = maxSourceLength,
    };
}
