namespace Mpt.Tasks;

/// <summary>
/// How ATTEMPT (<c>AbstractTask.get</c> with split_validation_test=True) derives train / validation / test
/// (docs/method.md §6.1).
/// </summary>
public enum SplitRule
{
    /// <summary>Small tasks: the original validation split is permuted; first ⌊n/2⌋ → validation, rest → test; train unchanged.</summary>
    Small,
    /// <summary>Large tasks: the original train split is permuted; first 1000 → validation, rest → train; test = original test split.</summary>
    Large,
    /// <summary>Neither list (mnli, paws): each split is the dataset split it maps to, unchanged.</summary>
    Own,
}
