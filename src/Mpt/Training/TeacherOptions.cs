using Mpt.Prompts;

namespace Mpt.Training;

/// <summary>
/// Teacher = vanilla prompt tuning on one source task (paper §3.1; recipe unspecified in the paper, so ATTEMPT's PT
/// baseline: l = 100, vocabulary init from the first 5000 ids, AdamW lr 0.3, warm-up 500, weight decay 1e-5, batch 32,
/// 20 epochs, max input 256; docs/method.md §3).
/// </summary>
public sealed record TeacherOptions
{
    /// <summary>Prompt length l (paper: 100).</summary>
    public int PromptLength { get; init; } = 100;

    /// <summary>Learning rate (paper/ATTEMPT: 0.3).</summary>
    public double LearningRate { get; init; } = 0.3;

    /// <summary>Vocabulary ids the init samples from: the first N (ATTEMPT: 5000).</summary>
    public int VocabularyPool { get; init; } = PromptInit.DefaultVocabularyPool;

    /// <summary>Loop settings (epochs 20, batch 32, warm-up 500, ...).</summary>
    public TrainingLoopOptions Loop { get; init; } = new() { Epochs = 20 };
}
