namespace Mpt.Pipeline;

/// <summary>How source training caches the frozen teachers' outputs (<c>distill.teacher_cache</c>; docs/performance.md).</summary>
public enum TeacherCacheMode
{
    /// <summary>No cache: a teacher forward every step (the default).</summary>
    Off,

    /// <summary>
    /// The exact cache in RAM: full-vocabulary scores and the compared hidden states per example (≈ 1 MB per example at
    /// t5-small), the same losses as without a cache. For few-shot or subsampled source sets.
    /// </summary>
    Memory,

    /// <summary>
    /// Top-k scores plus the lumped tail mass (<c>distill.teacher_cache_topk</c>) and exact hidden states, in a
    /// memory-mapped file of the stage's run folder: RAM holds an index only. The KL becomes the lumped KL, below the
    /// exact one by the tail term of <see cref="Training.DistillationLosses.LumpedLogitKl"/>. For full-size mixtures.
    /// </summary>
    DiskTopk,
}
