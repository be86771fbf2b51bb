namespace Mpt.Tasks;

/// <summary>
/// ATTEMPT's <c>split_to_data_split</c>: which dataset split each of train / validation / test loads. Validation is
/// absent for tasks without one (yelp_polarity); the split rule then carves it out of train.
/// </summary>
public sealed record DataSplitMap(string Train, string? Validation, string Test)
{
    /// <summary>The dataset split for <paramref name="split"/>.</summary>
    /// <exception cref="InvalidOperationException">The task has no dataset split for it.</exception>
    public string For(DataSplit split) => split switch
    {
        DataSplit.Train => Train,
        DataSplit.Validation => Validation ?? throw new InvalidOperationException(
            "This task has no validation split of its own; its split rule must carve one out of train."),
        DataSplit.Test => Test,
        _ => throw new ArgumentOutOfRangeException(nameof(split)),
    };
}
