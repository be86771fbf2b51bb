using System.Numerics;

namespace Mpt.Training;

/// <summary>
/// Token-id sequences of many examples packed into shared flat buffers, so that a large training set costs a few bytes
/// per id instead of a <c>long[]</c> per sequence: each id takes 2 bytes when the vocabulary has at most 65,536 ids
/// (T5's 32,128 and BERT's 30,522 do), else 4, decided once per store from its vocabulary size. Every sequence added
/// comes back as a light read-only view (an <see cref="IReadOnlyList{T}"/> of long, what
/// <see cref="TrainingExample"/> holds) over its slice of a buffer; the consumers see the same ids as before.
/// </summary>
/// <remarks>
/// The buffers are chunks that start small and double up to <see cref="MaxChunkIds"/> ids, and a sequence never spans
/// two chunks (one longer than a chunk gets an array of its own), so a view points at one array and adding never
/// copies what is already stored; the unused tail of a chunk is all that is wasted. Adding is not thread-safe; the
/// views are immutable and can be read from any thread.
/// </remarks>
public sealed class TokenIdStore
{
    /// <summary>Largest vocabulary whose ids are stored in 2 bytes (ids 0..65,535).</summary>
    public const int MaxUInt16Vocabulary = ushort.MaxValue + 1;

    /// <summary>Ids of the largest shared chunk.</summary>
    public const int MaxChunkIds = 1 << 16;

    private const int FirstChunkIds = 1 << 10;

    private readonly Chunks _chunks;

    /// <summary>Creates an empty store for ids in [0, <paramref name="vocabularySize"/>).</summary>
    /// <param name="vocabularySize">Number of ids of the tokenizer; every id added must be below it.</param>
    /// <param name="name">What the store holds (e.g. "task 'mnli' train inputs"), named in the error for an id that does not fit.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vocabularySize"/> is not positive.</exception>
    public TokenIdStore(int vocabularySize, string name)
    {
        if (vocabularySize < 1)
            throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, $"{name}: the vocabulary size must be positive.");
        VocabularySize = vocabularySize;
        Name = name;
        _chunks = vocabularySize <= MaxUInt16Vocabulary ? new Chunks<ushort>() : new Chunks<int>();
    }

    /// <summary>Ids are in [0, VocabularySize).</summary>
    public int VocabularySize { get; }

    /// <summary>What the store holds, as named in its errors.</summary>
    public string Name { get; }

    /// <summary>Bytes per stored id: 2 for vocabularies of at most 65,536 ids, else 4.</summary>
    public int BytesPerId => _chunks.BytesPerId;

    /// <summary>Sequences added.</summary>
    public int Sequences { get; private set; }

    /// <summary>Ids added, over all sequences.</summary>
    public long Ids { get; private set; }

    /// <summary>Bytes of id storage allocated (the chunks' element bytes, their unused tails included; object headers not counted).</summary>
    public long AllocatedBytes => _chunks.AllocatedIds * BytesPerId;

    /// <summary>Stores a copy of <paramref name="ids"/> and returns a read-only view of it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id outside [0, <see cref="VocabularySize"/>): its value, position and
    /// sequence and the store's <see cref="Name"/> are named, and nothing is stored.</exception>
    public IReadOnlyList<long> Add(ReadOnlySpan<long> ids)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            if ((ulong)ids[i] >= (ulong)VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(ids), ids[i],
                    $"{Name}: token id {ids[i]} at position {i} of sequence {Sequences} is outside the vocabulary [0, {VocabularySize}) "
                    + "this store was made for (a tokenizer whose ids exceed the vocabulary size it reports?).");
        }
        var view = _chunks.Add(ids);
        Sequences++;
        Ids += ids.Length;
        return view;
    }

    /// <summary>Stores a copy of <paramref name="ids"/> (see <see cref="Add(ReadOnlySpan{long})"/>).</summary>
    public IReadOnlyList<long> Add(IReadOnlyList<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids is long[] array) return Add(array.AsSpan());
        var copy = new long[ids.Count];
        TokenIdLists.CopyTo(ids, 0, copy);
        return Add(copy.AsSpan());
    }

    private abstract class Chunks
    {
        public abstract int BytesPerId { get; }

        public long AllocatedIds { get; protected set; }

        public abstract IReadOnlyList<long> Add(ReadOnlySpan<long> ids);
    }

    private sealed class Chunks<T> : Chunks where T : unmanaged, IBinaryInteger<T>
    {
        private T[] _chunk = [];
        private int _used;

        public override int BytesPerId => System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

        public override IReadOnlyList<long> Add(ReadOnlySpan<long> ids)
        {
            if (ids.Length > _chunk.Length - _used)
            {
                if (ids.Length > MaxChunkIds)
                {
                    var own = Allocate(ids.Length);
                    Write(ids, own);
                    return new PackedTokenIds<T>(own, 0, ids.Length);
                }
                _chunk = Allocate(Math.Max(ids.Length, Math.Min(MaxChunkIds, Math.Max(FirstChunkIds, _chunk.Length * 2))));
                _used = 0;
            }
            int start = _used;
            Write(ids, _chunk.AsSpan(start, ids.Length));
            _used += ids.Length;
            return new PackedTokenIds<T>(_chunk, start, ids.Length);
        }

        private T[] Allocate(int length)
        {
            AllocatedIds += length;
            return new T[length];
        }

        private static void Write(ReadOnlySpan<long> ids, Span<T> destination)
        {
            for (int i = 0; i < ids.Length; i++) destination[i] = T.CreateTruncating(ids[i]);
        }
    }
}
