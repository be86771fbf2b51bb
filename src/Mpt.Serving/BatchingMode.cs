namespace Mpt.Serving;

/// <summary>Which queued rows a <see cref="BatchingPredictor"/> may put into one batch.</summary>
public enum BatchingMode
{
    /// <summary>Rows of any tasks together, each with its own prompt (the default; what an MPT prompt set does in training).</summary>
    Mixed,

    /// <summary>
    /// Rows of one task per batch, the oldest waiting task first; rows of other tasks wait for a later batch. The way a
    /// server without per-row prompts batches (one prompt per forward), kept to compare against.
    /// </summary>
    SingleTask,
}
