namespace Mpt.Training;

/// <summary>Where a <see cref="TeacherOutputCache"/> keeps its rows: in RAM (<see cref="MemoryTeacherRowStore"/>) or in a file (<see cref="DiskTeacherRowStore"/>).</summary>
internal interface ITeacherRowStore : IDisposable
{
    /// <summary>Rows stored.</summary>
    int Count { get; }

    /// <summary>Bytes of the stored teacher values (in RAM or on disk, see <see cref="OnDisk"/>).</summary>
    long ValueBytes { get; }

    /// <summary>Bytes of RAM the keys take (the full keys in RAM; an index of hashes and offsets on disk).</summary>
    long KeyBytes { get; }

    /// <summary>Whether the values live in a file rather than in RAM.</summary>
    bool OnDisk { get; }

    /// <summary>Whether a row is stored under <paramref name="key"/>.</summary>
    bool Contains(TeacherCacheKey key);

    /// <summary>Stores rows (tensors in the caller's dispose scope; the store keeps its own copy).</summary>
    void Add(IReadOnlyList<(TeacherCacheKey Key, TeacherRow Row)> rows);

    /// <summary>
    /// The row stored under <paramref name="key"/>, to be read before the caller's dispose scope ends and never disposed
    /// by the caller (the store's own tensors, or new tensors registered in the caller's scope).
    /// </summary>
    TeacherRow Get(TeacherCacheKey key);
}
