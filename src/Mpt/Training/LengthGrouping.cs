namespace Mpt.Training;

/// <summary>
/// Length grouping of a shuffled epoch (HF Trainer's <c>group_by_length</c>, its <c>LengthGroupedSampler</c>, re-stated):
/// the epoch's random permutation is cut into consecutive mega-batches of <see cref="MegaBatchSize"/> = factor × batch
/// size indices (the factor capped as HF caps it, <see cref="EffectiveFactor"/>), and each mega-batch is sorted by example length, longest first. Consecutive batches then hold examples of
/// similar length, so dynamic padding (each batch padded to its own longest row) pads less; which examples share a
/// mega-batch is still random, and every example is still seen exactly once per epoch.
/// </summary>
/// <remarks>
/// <para>The grouping is a pure function of (permutation, lengths, mega-batch size): a stream restored from a checkpoint
/// recomputes the permutation from its stored generator state and regroups it identically, so the checkpoint format does
/// not change and a resumed run sees the same batches.</para>
/// <para>The sort is stable (ties keep their shuffled order), so equal-length pools keep HF's random order exactly.
/// Departures from HF: HF also moves the mega-batch holding the longest example to the front (so an out-of-memory error
/// shows at the first step); not done here, as CPU training has no such memory cliff and it would bias the first steps.
/// Batches here run across epoch boundaries (<see cref="ShuffledBatchSource"/>), so when the pool is not a multiple of
/// the batch size, a batch that straddles a mega-batch or epoch boundary mixes the ends of two groups.</para>
/// </remarks>
public sealed class LengthGrouping
{
    /// <summary>HF Trainer's mega-batch multiplier cap (<c>mega_batch_mult = min(len // (4 × batch), 50)</c>).</summary>
    public const int DefaultFactor = 50;

    private readonly int[] _lengths;

    /// <summary>Creates a grouping over examples with the given lengths.</summary>
    /// <param name="lengths">Length of example i at index i (tokens the encoder sees).</param>
    /// <param name="megaBatchSize">Indices per mega-batch (factor × batch size, positive).</param>
    public LengthGrouping(IReadOnlyList<int> lengths, int megaBatchSize)
    {
        if (megaBatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(megaBatchSize), $"a mega-batch needs at least one example, got {megaBatchSize}.");
        if (lengths.Count == 0) throw new ArgumentException("length grouping needs at least one example.", nameof(lengths));
        _lengths = lengths.ToArray();
        for (int i = 0; i < _lengths.Length; i++)
            if (_lengths[i] < 0) throw new ArgumentOutOfRangeException(nameof(lengths), $"example {i} has a negative length {_lengths[i]}.");
        MegaBatchSize = megaBatchSize;
    }

    /// <summary>
    /// The grouping of <paramref name="examples"/> for a loop setting, or null when <paramref name="factor"/> is 0 (off).
    /// </summary>
    /// <param name="examples">The pool (stream index i = example i).</param>
    /// <param name="factor">Mega-batch size in batches (<see cref="TrainingLoopOptions.LengthGroupFactor"/>; 0 = off).</param>
    /// <param name="batchSize">Examples per batch.</param>
    /// <param name="maxSourceLength">Inputs longer than this are cut by the collator, so they count as this long.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative factor (the setting is named).</exception>
    public static LengthGrouping? For(IReadOnlyList<TrainingExample> examples, int factor, int batchSize, int maxSourceLength)
    {
        Validate(factor);
        if (factor == 0) return null;
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be positive, got {batchSize}.");
        return new LengthGrouping(examples.Select(e => EncoderLength(e, maxSourceLength)).ToList(),
            checked(EffectiveFactor(factor, examples.Count, batchSize) * batchSize));
    }

    /// <summary>
    /// The factor used for a pool of <paramref name="count"/> examples: <paramref name="factor"/>, but at most a quarter of
    /// the epoch's batches and at least 1, as HF's sampler does (<c>min(len // (4 × batch), 50)</c>, 0 → 1). So an epoch
    /// always has several mega-batches while the pool allows, and a small (few-shot) pool is not sorted whole, which would
    /// put the same examples together in every epoch.
    /// </summary>
    public static int EffectiveFactor(int factor, int count, int batchSize)
    {
        Validate(factor);
        if (factor == 0) return 0;
        return (int)Math.Max(1, Math.Min(factor, count / (4L * batchSize)));
    }

    /// <summary>Checks a <see cref="TrainingLoopOptions.LengthGroupFactor"/> value: 0 (off) or a positive number of batches.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative factor.</exception>
    public static void Validate(int factor)
    {
        if (factor < 0)
            throw new ArgumentOutOfRangeException(nameof(TrainingLoopOptions.LengthGroupFactor),
                $"LengthGroupFactor must be 0 (off) or the number of batches per length-sorted mega-batch (HF's default {DefaultFactor}), got {factor}.");
    }

    /// <summary>
    /// Tokens of <paramref name="example"/> the encoder sees: its input ids (for the BERT-style backbone these already hold
    /// [CLS] a [SEP] b [SEP], and token types are one per id), cut at <paramref name="maxSourceLength"/> as the collators do.
    /// Prompt rows are the same for every example and do not count.
    /// </summary>
    public static int EncoderLength(TrainingExample example, int maxSourceLength) => Math.Min(example.InputIds.Count, maxSourceLength);

    /// <summary>Number of examples the grouping covers.</summary>
    public int Count => _lengths.Length;

    /// <summary>Indices per length-sorted mega-batch.</summary>
    public int MegaBatchSize { get; }

    /// <summary>Sorts each mega-batch of <paramref name="order"/> (a permutation of 0..Count−1) by length, longest first, in place.</summary>
    /// <exception cref="ArgumentException">The order has another length than the grouping.</exception>
    public void Apply(int[] order)
    {
        if (order.Length != _lengths.Length)
            throw new ArgumentException($"the order has {order.Length} indices but the grouping covers {_lengths.Length} examples.", nameof(order));
        var keys = new (int NegLength, int Rank)[MegaBatchSize];
        var chunk = new int[MegaBatchSize];
        for (int start = 0; start < order.Length; start += MegaBatchSize)
        {
            int n = Math.Min(MegaBatchSize, order.Length - start);
            // Array.Sort is unstable, so the shuffled position breaks ties: equal lengths keep their random order.
            for (int i = 0; i < n; i++)
            {
                keys[i] = (-_lengths[order[start + i]], i);
                chunk[i] = order[start + i];
            }
            Array.Sort(keys, chunk, 0, n);
            Array.Copy(chunk, 0, order, start, n);
        }
    }
}
