namespace Mpt.Tokenization;

/// <summary>
/// A byte trie over the UTF-8 text of the segmentable pieces (normal, user-defined, unused), walked one byte at a time
/// like the darts-clone <c>traverse</c> loop of SentencePiece's unigram encoder. Transitions live in one hash map
/// keyed by (node, byte), which keeps a 32k vocabulary small.
/// </summary>
internal sealed class PieceTrie
{
    private readonly Dictionary<int, int> _transitions = new();
    private readonly List<int> _values = [-1]; // node 0 = root; value = piece id ending here, or -1

    /// <summary>The root node.</summary>
    public const int Root = 0;

    /// <summary>Adds a piece's UTF-8 bytes with its id.</summary>
    public void Add(ReadOnlySpan<byte> key, int id)
    {
        int node = Root;
        foreach (byte b in key)
        {
            int edge = (node << 8) | b;
            if (!_transitions.TryGetValue(edge, out int next))
            {
                next = _values.Count;
                _values.Add(-1);
                _transitions.Add(edge, next);
            }
            node = next;
        }
        _values[node] = id;
    }

    /// <summary>Follows the edge labelled <paramref name="b"/>; false when there is none.</summary>
    public bool TryStep(int node, byte b, out int next) => _transitions.TryGetValue((node << 8) | b, out next);

    /// <summary>The piece id that ends at <paramref name="node"/>, or -1.</summary>
    public int ValueAt(int node) => _values[node];
}
