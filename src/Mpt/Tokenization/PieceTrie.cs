namespace Mpt.Tokenization;

/// <summary>
/// A byte trie over the UTF-8 text of the segmentable pieces (normal, user-defined, unused), walked one byte at a time
/// like the darts-clone <c>traverse</c> loop of SentencePiece's unigram encoder. Built with a hash map, then frozen
/// into flat arrays: a 256-entry table for the root (which has many children) and, for every other node, its
/// children's labels in one contiguous slice scanned linearly (deeper nodes have few children).
/// </summary>
internal sealed class PieceTrie
{
    /// <summary>The root node.</summary>
    public const int Root = 0;

    private readonly int[] _rootChildren = new int[256];
    private readonly int[] _childStart;
    private readonly int[] _childCount;
    private readonly byte[] _labels;
    private readonly int[] _targets;
    private readonly int[] _values;

    /// <summary>Builds the trie from (UTF-8 key, piece id) pairs.</summary>
    public PieceTrie(IEnumerable<(byte[] Key, int Id)> entries)
    {
        var children = new List<SortedList<byte, int>> { new() };
        var values = new List<int> { -1 };
        foreach (var (key, id) in entries)
        {
            int node = Root;
            foreach (byte b in key)
            {
                if (!children[node].TryGetValue(b, out int next))
                {
                    next = values.Count;
                    values.Add(-1);
                    children.Add(new SortedList<byte, int>());
                    children[node].Add(b, next);
                }
                node = next;
            }
            values[node] = id;
        }
        int n = values.Count;
        _values = values.ToArray();
        _childStart = new int[n];
        _childCount = new int[n];
        int total = children.Sum(c => c.Count);
        _labels = new byte[total];
        _targets = new int[total];
        int pos = 0;
        for (int node = 0; node < n; node++)
        {
            _childStart[node] = pos;
            _childCount[node] = children[node].Count;
            foreach (var (label, target) in children[node])
            {
                _labels[pos] = label;
                _targets[pos] = target;
                pos++;
            }
        }
        Array.Fill(_rootChildren, -1);
        foreach (var (label, target) in children[Root]) _rootChildren[label] = target;
    }

    /// <summary>Follows the edge labelled <paramref name="b"/>; false when there is none.</summary>
    public bool TryStep(int node, byte b, out int next)
    {
        if (node == Root)
        {
            next = _rootChildren[b];
            return next >= 0;
        }
        int start = _childStart[node], end = start + _childCount[node];
        for (int i = start; i < end; i++)
        {
            if (_labels[i] == b)
            {
                next = _targets[i];
                return true;
            }
        }
        next = -1;
        return false;
    }

    /// <summary>The piece id that ends at <paramref name="node"/>, or -1.</summary>
    public int ValueAt(int node) => _values[node];
}
