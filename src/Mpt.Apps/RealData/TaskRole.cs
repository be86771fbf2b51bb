namespace Mpt.RealData;

/// <summary>Whether a task trains MPT's teachers (source) or is adapted to afterwards (target), docs/data.md.</summary>
public enum TaskRole
{
    /// <summary>Large source task: a teacher prompt is trained on it and distilled into the shared prompt.</summary>
    Source,

    /// <summary>Smaller target task, adapted to from the source prompts (few-shot pools are drawn from its train split).</summary>
    Target,
}
