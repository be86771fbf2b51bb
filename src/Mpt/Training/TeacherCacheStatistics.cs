namespace Mpt.Training;

/// <summary>What a <see cref="TeacherOutputCache"/> holds and how often it answered.</summary>
/// <param name="Examples">Distinct examples cached.</param>
/// <param name="TensorBytes">Bytes of the cached teacher tensors (logits + hidden states).</param>
/// <param name="KeyBytes">Bytes of the example keys (token ids).</param>
/// <param name="Hits">Rows served from the cache.</param>
/// <param name="Misses">Rows that needed a teacher forward pass.</param>
public sealed record TeacherCacheStatistics(int Examples, long TensorBytes, long KeyBytes, long Hits, long Misses)
{
    /// <summary>Mean bytes (tensors + keys) per cached example; 0 when empty.</summary>
    public double BytesPerExample => Examples == 0 ? 0 : (double)(TensorBytes + KeyBytes) / Examples;
}
