namespace Mpt.Training;

/// <summary>Rows kept as tensors in RAM, under their full keys: the exact cache of small runs (see <see cref="TeacherOutputCache"/>).</summary>
internal sealed class MemoryTeacherRowStore : ITeacherRowStore
{
    private readonly Dictionary<TeacherCacheKey, TeacherRow> _rows = new();

    public int Count => _rows.Count;

    public long ValueBytes { get; private set; }

    public long KeyBytes { get; private set; }

    public bool OnDisk => false;

    public bool Contains(TeacherCacheKey key) => _rows.ContainsKey(key);

    public void Add(IReadOnlyList<(TeacherCacheKey Key, TeacherRow Row)> rows)
    {
        foreach (var (key, row) in rows)
        {
            // A copy outside any dispose scope, and not a view: a view would keep the whole batch's tensor alive.
            var owned = row.Map(t => t.clone().DetachFromDisposeScope());
            _rows.Add(key, owned);
            ValueBytes += owned.Bytes;
            KeyBytes += key.Bytes;
        }
    }

    public TeacherRow Get(TeacherCacheKey key) => _rows[key];

    public void Dispose()
    {
        foreach (var row in _rows.Values) row.Dispose();
        _rows.Clear();
        ValueBytes = 0;
        KeyBytes = 0;
    }
}
