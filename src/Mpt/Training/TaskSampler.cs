namespace Mpt.Training;

/// <summary>
/// Decides which source tasks fill each multitask batch (Wang et al. 2023 §3.2): "for each batch of multitask samples,
/// we randomly select a number K from [2, κ] first, then randomly choose K tasks from S and their corresponding samples
/// to constitute mini-batches", with examples-proportional mixing (Raffel et al. 2020) deciding how likely each task is.
/// </summary>
/// <remarks>
/// Per batch: K ~ U{2..κ}; K tasks drawn with probability ∝ min(n_k, cap) (without replacement by default: each draw
/// renormalises over the tasks not yet drawn); the batch is then divided among the K draws in proportion to their
/// (capped) sizes, at least one example each (<see cref="TaskBatchSplit.Proportional"/>), or equally
/// (<see cref="TaskBatchSplit.Equal"/>). The paper leaves the split and the replacement open (docs/method.md §2.5,
/// docs/decisions.md row 13). The generator is a seeded <see cref="Pcg32"/>, so runs repeat exactly and
/// <see cref="GetState"/> / <see cref="SetState"/> resume them (the proportional split draws no random numbers).
/// </remarks>
public sealed class TaskSampler
{
    private readonly double[] _rates;
    private readonly TaskSamplerOptions _options;
    private readonly int _maxTasks;
    private Pcg32 _rng;
    private long _batchesDrawn;

    /// <summary>Creates a sampler.</summary>
    /// <param name="taskSizes">Training examples per task (task id = index).</param>
    /// <param name="options">Batch size, κ, cap, replacement, ablation switch.</param>
    /// <param name="seed">Seed of the generator.</param>
    public TaskSampler(IReadOnlyList<long> taskSizes, TaskSamplerOptions options, ulong seed)
    {
        _options = options;
        if (taskSizes.Count == 0) throw new ArgumentException("need at least one task.", nameof(taskSizes));
        var badSize = Enumerable.Range(0, taskSizes.Count).Where(i => taskSizes[i] <= 0).ToList();
        if (badSize.Count > 0) throw new ArgumentException($"task(s) {string.Join(", ", badSize)} have no examples; every task size must be positive.", nameof(taskSizes));
        if (options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"BatchSize must be positive, got {options.BatchSize}.");
        if (options.SizeCap is <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"SizeCap must be positive, got {options.SizeCap}.");
        _maxTasks = options.MaxTasksPerBatch ?? taskSizes.Count;
        if (options.StochasticTaskSampling)
        {
            if (taskSizes.Count < 2) throw new ArgumentException("stochastic task sampling draws K from [2, κ] and needs at least 2 tasks; use StochasticTaskSampling = false for one task.", nameof(taskSizes));
            if (_maxTasks < 2) throw new ArgumentOutOfRangeException(nameof(options), $"MaxTasksPerBatch (κ) must be at least 2, got {_maxTasks}.");
            if (!options.WithReplacement && _maxTasks > taskSizes.Count)
                throw new ArgumentOutOfRangeException(nameof(options), $"MaxTasksPerBatch (κ = {_maxTasks}) exceeds the {taskSizes.Count} tasks, which sampling without replacement cannot draw.");
            if (options.BatchSize < _maxTasks)
                throw new ArgumentOutOfRangeException(nameof(options), $"BatchSize {options.BatchSize} is smaller than κ = {_maxTasks}: some drawn tasks would get no example.");
        }
        double[] capped = taskSizes.Select(n => (double)Math.Min(n, options.SizeCap ?? long.MaxValue)).ToArray();
        double total = capped.Sum();
        _rates = capped.Select(c => c / total).ToArray();
        _rng = new Pcg32(seed);
    }

    /// <summary>The examples-proportional mixing rates (sum 1), per task.</summary>
    public IReadOnlyList<double> MixingRates => _rates;

    /// <summary>Number of tasks.</summary>
    public int NumTasks => _rates.Length;

    /// <summary>Draws the task composition of the next batch.</summary>
    public TaskBatchAllocation Next()
    {
        var counts = new int[_rates.Length];
        int batch = _options.BatchSize;
        int k;
        if (!_options.StochasticTaskSampling)
        {
            // Ablation: plain examples-proportional mixing, one independent task draw per example.
            for (int i = 0; i < batch; i++) counts[DrawProportional(null)]++;
            k = counts.Count(c => c > 0);
        }
        else
        {
            k = 2 + _rng.NextInt(_maxTasks - 1); // K ~ U{2..κ}
            var drawn = new int[k];
            var used = _options.WithReplacement ? null : new bool[_rates.Length];
            for (int j = 0; j < k; j++)
            {
                drawn[j] = DrawProportional(used);
                if (used is not null) used[drawn[j]] = true;
            }
            if (_options.BatchSplit == TaskBatchSplit.Equal)
            {
                foreach (int task in drawn) counts[task] += batch / k;
                counts[drawn[_rng.NextInt(k)]] += batch % k; // remainder to one chosen draw
            }
            else
            {
                var shares = ProportionalShares(drawn, batch);
                for (int j = 0; j < k; j++) counts[drawn[j]] += shares[j];
            }
        }
        _batchesDrawn++;
        return new TaskBatchAllocation(k, counts);
    }

    /// <summary>The sampler's state, to store in a checkpoint.</summary>
    public TaskSamplerState GetState()
    {
        var (state, increment) = _rng.GetState();
        return new TaskSamplerState(state, increment, _batchesDrawn);
    }

    /// <summary>Restores a state from <see cref="GetState"/>; the following draws repeat those of the original run.</summary>
    public void SetState(TaskSamplerState state)
    {
        _rng = Pcg32.FromState(state.RngState, state.RngIncrement);
        _batchesDrawn = state.BatchesDrawn;
    }

    /// <summary>
    /// Largest-remainder division of <paramref name="batch"/> examples among the draws: one each, then the other
    /// batch − K in proportion to the draws' mixing rates (a task drawn twice, with replacement, weighs twice), the
    /// leftover examples going to the largest fractional parts, ties to the earlier draw.
    /// </summary>
    private int[] ProportionalShares(int[] drawn, int batch)
    {
        int k = drawn.Length, rest = batch - k;
        double weight = drawn.Sum(t => _rates[t]);
        var shares = new int[k];
        var fraction = new double[k];
        int given = 0;
        for (int j = 0; j < k; j++)
        {
            double quota = rest * _rates[drawn[j]] / weight;
            shares[j] = (int)Math.Floor(quota);
            fraction[j] = quota - shares[j];
            given += shares[j];
        }
        foreach (int j in Enumerable.Range(0, k).OrderByDescending(j => fraction[j]).ThenBy(j => j).Take(rest - given)) shares[j]++;
        for (int j = 0; j < k; j++) shares[j]++;
        return shares;
    }

    /// <summary>One task drawn ∝ the mixing rates among the tasks not yet used (all when <paramref name="used"/> is null).</summary>
    private int DrawProportional(bool[]? used)
    {
        double total = 0;
        for (int i = 0; i < _rates.Length; i++) if (used is null || !used[i]) total += _rates[i];
        double u = _rng.NextDouble() * total;
        int last = -1;
        for (int i = 0; i < _rates.Length; i++)
        {
            if (used is not null && used[i]) continue;
            last = i;
            u -= _rates[i];
            if (u < 0) return i;
        }
        return last; // u landed on the upper edge through rounding: the last available task
    }
}
