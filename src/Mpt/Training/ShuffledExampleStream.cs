namespace Mpt.Training;

/// <summary>
/// An endless stream of example indices 0..n−1, reshuffled at every epoch by a seeded <see cref="Pcg32"/> (Fisher-Yates).
/// Its state is small (the generator state at the start of the current epoch, the epoch and the position), so a checkpoint
/// can restore the exact data order: the current permutation is recomputed from the stored generator state.
/// With a <see cref="LengthGrouping"/>, each epoch's permutation is then length-grouped; the grouping is a pure function of
/// the permutation, so the state (and the checkpoint format) is the same with or without it.
/// </summary>
internal sealed class ShuffledExampleStream
{
    private readonly int _count;
    private readonly int[] _order;
    private readonly LengthGrouping? _grouping;
    private Pcg32 _rng;
    private (ulong State, ulong Increment) _epochStart;
    private long _epoch;
    private int _position;

    /// <summary>Creates a stream over <paramref name="count"/> examples.</summary>
    /// <param name="count">Number of examples (positive).</param>
    /// <param name="seed">Seed of the shuffling generator.</param>
    /// <param name="sequence">PCG stream selector, so several streams from one seed are independent.</param>
    /// <param name="grouping">Length grouping applied to every epoch's shuffle, or null for the plain random order.</param>
    public ShuffledExampleStream(int count, ulong seed, ulong sequence = 0, LengthGrouping? grouping = null)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), $"a stream needs at least one example, got {count}.");
        if (grouping is not null && grouping.Count != count)
            throw new ArgumentException($"the length grouping covers {grouping.Count} examples but the stream has {count}.", nameof(grouping));
        _count = count;
        _grouping = grouping;
        _order = new int[count];
        _rng = new Pcg32(seed, sequence);
        StartEpoch(0);
    }

    /// <summary>Number of examples.</summary>
    public int Count => _count;

    /// <summary>Completed passes over the data.</summary>
    public long Epoch => _epoch;

    /// <summary>The next example index; a new shuffled epoch starts when the current one is used up.</summary>
    public int Next()
    {
        if (_position == _count) StartEpoch(_epoch + 1);
        return _order[_position++];
    }

    /// <summary>The state to store in a checkpoint.</summary>
    public ExampleStreamState GetState() => new(_epochStart.State, _epochStart.Increment, _epoch, _position);

    /// <summary>Restores a state from <see cref="GetState"/> of a stream over the same number of examples.</summary>
    public void SetState(ExampleStreamState state)
    {
        if (state.Position < 0 || state.Position > _count)
            throw new ArgumentOutOfRangeException(nameof(state), $"stream position {state.Position} is outside [0, {_count}]: the checkpoint was made with different data.");
        _rng = Pcg32.FromState(state.EpochStartRngState, state.EpochStartRngIncrement);
        StartEpoch(state.Epoch);
        _position = state.Position;
    }

    private void StartEpoch(long epoch)
    {
        _epochStart = _rng.GetState();
        _epoch = epoch;
        _position = 0;
        for (int i = 0; i < _count; i++) _order[i] = i;
        for (int i = _count - 1; i > 0; i--)
        {
            int j = _rng.NextInt(i + 1);
            (_order[i], _order[j]) = (_order[j], _order[i]);
        }
        // Grouping only reorders within mega-batches and draws nothing from the generator, so the next epoch's shuffle
        // (and a restored state) is the same with or without it.
        _grouping?.Apply(_order);
    }
}

/// <summary>Checkpointable state of a <see cref="ShuffledExampleStream"/>.</summary>
/// <param name="EpochStartRngState">PCG state before the current epoch's shuffle.</param>
/// <param name="EpochStartRngIncrement">PCG increment (stream selector).</param>
/// <param name="Epoch">Current epoch number.</param>
/// <param name="Position">Examples already taken from the current epoch.</param>
public sealed record ExampleStreamState(ulong EpochStartRngState, ulong EpochStartRngIncrement, long Epoch, int Position);
