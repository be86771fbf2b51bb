using Mpt.Tasks;

namespace Mpt.Pipeline;

/// <summary>
/// Reads every data split the requested stages will read before any of them starts, so a missing file, a malformed row
/// or a missing split is reported in seconds rather than when its stage begins (the targets' data only after the
/// teachers and the distillation have trained). The splits are loaded in full through the runner's row cache: they are
/// read anyway, and each is then read once. Teachers and distillation read the sources' train and validation splits;
/// adaptation reads the targets' train (few-shot pool, majority label), validation (checkpoint selection, SPoT's
/// source) and test splits.
/// </summary>
internal static class DataPreflight
{
    /// <summary>
    /// Loads every split <paramref name="stages"/> need with <paramref name="load"/> (which caches them).
    /// </summary>
    /// <exception cref="ConfigException">A split cannot be read: the message names the config key (<c>targets[1].data</c>),
    /// the task and split, and the loader's own message (file and line of a malformed row).</exception>
    public static void Check(PipelineConfig config, PipelineStages stages, Action<TaskDataConfig, DataSplit> load)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(load);
        foreach (var (key, data, splits) in Needed(config, stages))
            foreach (DataSplit split in splits)
            {
                try
                {
                    load(data, split);
                }
                catch (Exception e) when (e is not (OutOfMemoryException or ConfigException))
                {
                    throw new ConfigException($"{key}.data: task '{data.Task}', {split.ToString().ToLowerInvariant()} split: {e.Message}", e);
                }
            }
    }

    private static IEnumerable<(string Key, TaskDataConfig Data, DataSplit[] Splits)> Needed(PipelineConfig config, PipelineStages stages)
    {
        if ((stages & (PipelineStages.Teachers | PipelineStages.Distill)) != 0)
            for (int i = 0; i < config.Sources.Count; i++)
                yield return ($"sources[{i}]", config.Sources[i], [DataSplit.Train, DataSplit.Validation]);
        if ((stages & PipelineStages.Adapt) != 0)
            for (int i = 0; i < config.Targets.Count; i++)
                yield return ($"targets[{i}]", config.Targets[i], [DataSplit.Train, DataSplit.Validation, DataSplit.Test]);
    }
}
