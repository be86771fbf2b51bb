using Mpt.Tasks;

namespace Mpt.Pipeline;

/// <summary>
/// Gives the config's task entries data the runner can read, before any validation against the catalogue or any work:
/// e.g. the mpt CLI builds the real-data benchmark's tasks named without <c>data</c> (<c>--source word-polarity</c>)
/// and registers them in the catalogue. The library itself downloads nothing: its default is
/// <see cref="TaskDataResolvers.None"/>.
/// </summary>
public interface ITaskDataResolver
{
    /// <summary>Returns <paramref name="config"/> with every source and target entry's <c>data</c> set.</summary>
    /// <param name="config">The validated config.</param>
    /// <param name="catalog">The run's task catalogue; a resolver may register the tasks it provides.</param>
    /// <param name="log">Progress lines (e.g. a data build).</param>
    /// <exception cref="ConfigException">An entry that cannot be resolved (the config key is named).</exception>
    PipelineConfig Resolve(PipelineConfig config, TaskCatalog catalog, Action<string> log);
}
