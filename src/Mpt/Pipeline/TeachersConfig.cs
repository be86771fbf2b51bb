namespace Mpt.Pipeline;

/// <summary>Stage 1, one teacher prompt per source task by vanilla prompt tuning (section <c>teachers</c>; paper §3.1).</summary>
public sealed record TeachersConfig
{
    /// <summary>Default epochs (ATTEMPT's PT recipe, docs/method.md §3).</summary>
    public const double DefaultEpochs = 20;

    /// <summary>Prompt length l (paper: 100).</summary>
    public int PromptLength { get; init; } = 100;

    /// <summary>Learning rate (paper: 0.3).</summary>
    public double LearningRate { get; init; } = 0.3;

    /// <summary>Vocabulary ids the prompt init samples from (ATTEMPT: the first 5000).</summary>
    public int VocabularyPool { get; init; } = 5000;

    /// <summary>Loop settings.</summary>
    public LoopConfig Loop { get; init; } = new();

    /// <summary>Checks the section.</summary>
    public void Validate(string path = "teachers")
    {
        ConfigChecks.AtLeast($"{path}.prompt_length", PromptLength, 1);
        ConfigChecks.Positive($"{path}.learning_rate", LearningRate);
        ConfigChecks.AtLeast($"{path}.vocabulary_pool", VocabularyPool, 1);
        Loop.Validate($"{path}.loop");
    }
}
