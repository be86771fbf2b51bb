using Mpt.Pipeline;
using Mpt.Tasks;

namespace Mpt.Quickstart;

/// <summary>
/// The pipeline's task-data resolver for the real-data benchmark (<see cref="BenchmarkTasks.Resolve"/>): a task named
/// without <c>data</c> is built on demand into the cache, a built benchmark folder stands for its task's folder. The
/// mpt CLI passes it as <see cref="PipelineRunOptions.TaskData"/>.
/// </summary>
public sealed class BenchmarkTaskResolver : ITaskDataResolver
{
    /// <summary>The resolver (it holds no state).</summary>
    public static BenchmarkTaskResolver Instance { get; } = new();

    private BenchmarkTaskResolver() { }

    /// <inheritdoc/>
    public PipelineConfig Resolve(PipelineConfig config, TaskCatalog catalog, Action<string> log) => BenchmarkTasks.Resolve(config, catalog, log);
}
