using Mpt.Tasks;

namespace Mpt.Data;

/// <summary>
/// ATTEMPT's <c>AbstractTask.get(split, n_obs, split_validation_test=True)</c> as index arithmetic (docs/method.md §6.1):
/// <list type="bullet">
/// <item>small tasks, validation / test: perm = randperm(len(validation), seed); validation = perm[:n//2],
/// test = perm[n//2:];</item>
/// <item>large tasks, train / validation: perm = randperm(len(train), seed); validation = perm[:1000],
/// train = perm[1000:];</item>
/// <item>otherwise the mapped dataset split unchanged, or randperm(len)[:n_obs] when n_obs is given.</item>
/// </list>
/// n_obs (max examples) then keeps the first n_obs indices.
/// </summary>
public static class DatasetSplitter
{
    /// <summary>The plan for <paramref name="split"/> of <paramref name="task"/>.</summary>
    /// <param name="task">The task.</param>
    /// <param name="split">The split wanted.</param>
    /// <param name="rowCount">Number of rows of a dataset split, by name (called once, for the source split).</param>
    /// <param name="maxExamples">ATTEMPT's n_obs; null keeps everything (train may still be capped, see
    /// <see cref="SplitOptions.ApplyTrainCaps"/>).</param>
    /// <param name="options">Seed and quirk switches.</param>
    public static SplitPlan Plan(TaskDefinition task, DataSplit split, Func<string, int> rowCount, int? maxExamples = null,
        SplitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(rowCount);
        options ??= SplitOptions.Default;
        if (maxExamples is < 0) throw new ArgumentOutOfRangeException(nameof(maxExamples), "must be ≥ 0");
        int? nObs = maxExamples ?? (split == DataSplit.Train && options.ApplyTrainCaps ? task.MaxTrainExamples : null);
        SplitRule rule = EffectiveRule(task, options);

        if (rule == SplitRule.Small && split != DataSplit.Train)
        {
            string source = task.DataSplits.For(DataSplit.Validation);
            int n = rowCount(source);
            int[] perm = TorchRandPerm.Permutation(n, options.Seed);
            int[] part = split == DataSplit.Validation ? perm[..(n / 2)] : perm[(n / 2)..];
            return new SplitPlan(source, Take(part, nObs));
        }
        if (rule == SplitRule.Large && split != DataSplit.Test)
        {
            string source = task.DataSplits.Train;
            int n = rowCount(source);
            int[] perm = TorchRandPerm.Permutation(n, options.Seed);
            int cut = Math.Min(options.LargeValidationSize, n);
            int[] part = split == DataSplit.Validation ? perm[..cut] : perm[cut..];
            return new SplitPlan(source, Take(part, nObs));
        }
        string mapped = task.DataSplits.For(split);
        int count = rowCount(mapped);
        int[] indices = nObs is null
            ? Enumerable.Range(0, count).ToArray()
            : Take(TorchRandPerm.Permutation(count, options.Seed), nObs);
        return new SplitPlan(mapped, indices);
    }

    /// <summary>The rule in force: the task's own, except SciTail under <see cref="SplitOptions.ScitailUsePublicTest"/>.</summary>
    public static SplitRule EffectiveRule(TaskDefinition task, SplitOptions options) =>
        options.ScitailUsePublicTest && task.Name == "scitail" ? SplitRule.Own : task.SplitRule;

    private static int[] Take(int[] indices, int? nObs) => nObs is { } k && k < indices.Length ? indices[..k] : indices;
}
