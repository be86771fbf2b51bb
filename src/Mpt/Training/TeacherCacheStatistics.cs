namespace Mpt.Training;

/// <summary>What a <see cref="TeacherOutputCache"/> holds and how often it answered.</summary>
/// <param name="Examples">Distinct examples cached.</param>
/// <param name="TensorBytes">Bytes of the cached teacher values (scores or their top-k summary, hidden states), in RAM or, <see cref="OnDisk"/>, in the file (with its record framing and keys).</param>
/// <param name="KeyBytes">Bytes of RAM the example keys take (the token ids; on disk only an index of hashes and offsets).</param>
/// <param name="Hits">Rows served from the cache.</param>
/// <param name="Misses">Rows that needed a teacher forward pass.</param>
public sealed record TeacherCacheStatistics(int Examples, long TensorBytes, long KeyBytes, long Hits, long Misses)
{
    /// <summary>Whether the values live in a memory-mapped file rather than in RAM.</summary>
    public bool OnDisk { get; init; }

    /// <summary>Mean bytes (tensors + keys) per cached example; 0 when empty.</summary>
    public double BytesPerExample => Examples == 0 ? 0 : (double)(TensorBytes + KeyBytes) / Examples;

    /// <summary>Bytes of RAM the cache holds: everything in memory, only the index on disk.</summary>
    public long ResidentBytes => OnDisk ? KeyBytes : TensorBytes + KeyBytes;
}
