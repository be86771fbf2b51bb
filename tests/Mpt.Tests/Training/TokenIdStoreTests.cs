using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Training;

public sealed class TokenIdStoreTests
{
    private const int T5Vocabulary = 32_128;

    [Fact]
    public void Should_Return_Every_Sequence_Unchanged_Across_Chunks_And_Long_Sequences()
    {
        // Given sequences of mixed length, enough to fill several chunks, with one longer than a chunk and empty ones
        var random = new Random(17);
        var store = new TokenIdStore(T5Vocabulary, "test");
        var originals = new List<long[]>();
        for (int i = 0; i < 1500; i++)
        {
            int length = i switch { 7 => TokenIdStore.MaxChunkIds + 3, 11 or 12 => 0, _ => random.Next(1, 300) };
            originals.Add(Enumerable.Range(0, length).Select(_ => (long)random.Next(T5Vocabulary)).ToArray());
        }

        // When
        var views = originals.Select(ids => store.Add(ids)).ToList();

        // Then every view reads its ids back by index, by enumeration and by range copy, after all later additions
        for (int i = 0; i < originals.Count; i++)
        {
            Assert.Equal(originals[i].Length, views[i].Count);
            Assert.Equal(originals[i], Enumerable.Range(0, views[i].Count).Select(j => views[i][j]).ToArray());
            Assert.Equal(originals[i], views[i].ToArray());
            if (originals[i].Length < 2) continue;
            var middle = new long[originals[i].Length - 1];
            TokenIdLists.CopyTo(views[i], 1, middle);
            Assert.Equal(originals[i][1..], middle);
        }
        Assert.Equal(originals.Count, store.Sequences);
        Assert.Equal(originals.Sum(o => (long)o.Length), store.Ids);
        Assert.Equal(2, store.BytesPerId);
        // Two bytes an id; the chunks' unused tails add less than one chunk per 300-id sequence boundary at most.
        Assert.InRange(store.AllocatedBytes, 2 * store.Ids, 2 * store.Ids + 2L * TokenIdStore.MaxChunkIds * 8);
    }

    [Theory]
    [InlineData(TokenIdStore.MaxUInt16Vocabulary, 2)]
    [InlineData(TokenIdStore.MaxUInt16Vocabulary + 1, 4)]
    [InlineData(250_112, 4)] // mT5's vocabulary
    public void Should_Keep_The_Largest_Id_Of_The_Vocabulary_In_The_Width_The_Vocabulary_Needs(int vocabulary, int bytesPerId)
    {
        var store = new TokenIdStore(vocabulary, "test");

        var view = store.Add([0, 1, 32_767, 32_768, 65_535, vocabulary - 1]);

        Assert.Equal(bytesPerId, store.BytesPerId);
        Assert.Equal([0L, 1, 32_767, 32_768, 65_535, vocabulary - 1], view.ToArray());
    }

    [Theory]
    [InlineData(T5Vocabulary, T5Vocabulary)]
    [InlineData(TokenIdStore.MaxUInt16Vocabulary, 65_536)]
    [InlineData(T5Vocabulary, -1)]
    [InlineData(TokenIdStore.MaxUInt16Vocabulary + 1, 1L << 32)]
    public void Should_Refuse_An_Id_Outside_The_Vocabulary_Naming_The_Store_The_Id_And_Its_Position(int vocabulary, long id)
    {
        var store = new TokenIdStore(vocabulary, "task 'mnli' examples");
        store.Add([5, 1]);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => store.Add([7, 8, id, 1]));

        Assert.Contains("task 'mnli' examples", e.Message);
        Assert.Contains($"token id {id} at position 2 of sequence 1", e.Message);
        Assert.Contains($"[0, {vocabulary})", e.Message);
        // Nothing of the refused sequence was stored.
        Assert.Equal(1, store.Sequences);
        Assert.Equal(2, store.Ids);
    }

    [Fact]
    public void Should_Store_Empty_Sequences_As_Empty_Views()
    {
        var store = new TokenIdStore(T5Vocabulary, "test");

        var first = store.Add(ReadOnlySpan<long>.Empty);
        var next = store.Add([4, 1]);
        var last = store.Add(Array.Empty<long>());

        Assert.Empty(first);
        Assert.Empty(last);
        Assert.Equal([4L, 1], next.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => first[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => next[2]);
        Assert.Equal(3, store.Sequences);
    }

    [Fact]
    public void Should_Refuse_A_Vocabulary_Without_Ids()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new TokenIdStore(0, "task 'rte' examples"));
        Assert.Contains("task 'rte' examples", e.Message);
    }
}
