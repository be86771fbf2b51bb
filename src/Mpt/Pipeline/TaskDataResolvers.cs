using Mpt.Tasks;

namespace Mpt.Pipeline;

/// <summary>The task-data resolvers of the library.</summary>
public static class TaskDataResolvers
{
    /// <summary>
    /// The resolver used when none is given. It resolves nothing: an entry without <c>data</c> is refused with its config
    /// key, since building the real-data benchmark's tasks by name downloads packages and is part of the mpt CLI, not of
    /// the library.
    /// </summary>
    public static ITaskDataResolver None { get; } = new RequireData();

    private sealed class RequireData : ITaskDataResolver
    {
        /// <inheritdoc/>
        public PipelineConfig Resolve(PipelineConfig config, TaskCatalog catalog, Action<string> log)
        {
            var entries = config.Sources.Select((t, i) => (Entry: t, Key: $"sources[{i}]")).Concat(config.Targets.Select((t, i) => (Entry: t, Key: $"targets[{i}]")));
            foreach (var (entry, key) in entries)
                if (entry.Data is null)
                    throw new ConfigException($"{key}.data is required for task '{entry.Task}': only the mpt CLI builds the real-data benchmark's tasks by name (the library reads data folders and files).");
            return config;
        }
    }
}
