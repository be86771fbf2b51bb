namespace Mpt.Training;

/// <summary>
/// Identity of one example as the teacher sees it: its task id, its unpadded input ids (and token types, if any) and its
/// unpadded label ids. The frozen teacher in eval mode is a pure function of exactly these, so two rows with equal keys
/// have equal teacher outputs — keying by content (rather than by a position in some data set) cannot go stale when
/// the data order, the batch composition or the padding changes.
/// </summary>
internal sealed class TeacherCacheKey : IEquatable<TeacherCacheKey>
{
    private readonly long[] _content;
    private readonly int _hash;

    /// <summary>Creates a key from the already-flattened, self-delimiting content (see <see cref="TeacherOutputCache"/>).</summary>
    public TeacherCacheKey(long[] content)
    {
        _content = content;
        var hash = new HashCode();
        foreach (long v in content) hash.Add(v);
        _hash = hash.ToHashCode();
    }

    /// <summary>The flattened content (what <see cref="DiskTeacherRowStore"/> writes next to a row and checks on reading).</summary>
    public ReadOnlySpan<long> Content => _content;

    /// <summary>Bytes the key itself occupies (its content array).</summary>
    public long Bytes => _content.LongLength * sizeof(long);

    public bool Equals(TeacherCacheKey? other) => other is not null && _hash == other._hash && _content.AsSpan().SequenceEqual(other._content);

    public override bool Equals(object? obj) => Equals(obj as TeacherCacheKey);

    public override int GetHashCode() => _hash;
}
