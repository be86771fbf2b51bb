using System.Text.Json;
using Mpt.Pipeline;
using Mpt.Quickstart;
using Mpt.Tasks;

namespace Mpt.Cli;

/// <summary>
/// The task definitions a run folder was trained with, for verbs that serve its prompts: the run's <c>config.json</c>
/// records its task file (<c>task_file</c>) and every target's data folder; a target built from the real-data benchmark
/// (<c>mpt quickstart</c>: its folder sits in a benchmark folder with <c>manifest.json</c>) gets the benchmark's labels
/// and descriptions, as the run registered them (<see cref="BenchmarkTasks.RegisterFromTaskFolder"/>).
/// </summary>
public static class RunTaskDefinitions
{
    /// <summary>Registers in <paramref name="catalog"/> the tasks of the run at <paramref name="runFolder"/> that it lacks.</summary>
    /// <exception cref="InvalidDataException">config.json is not valid JSON (the file is named).</exception>
    public static void Register(TaskCatalog catalog, string runFolder)
    {
        string path = Path.Combine(runFolder, PipelineRunner.ConfigFile);
        if (!File.Exists(path)) return;
        JsonDocument config;
        try
        {
            config = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }
        using (config)
        {
            var root = config.RootElement;
            if (root.TryGetProperty("task_file", out var taskFile) && taskFile.ValueKind == JsonValueKind.String && File.Exists(taskFile.GetString()))
                foreach (var task in UserTaskFile.Load(taskFile.GetString()!))
                    if (!catalog.Contains(task.Name)) catalog.Register(task);
            if (!root.TryGetProperty("targets", out var targets) || targets.ValueKind != JsonValueKind.Array) return;
            foreach (var target in targets.EnumerateArray())
            {
                if (target.ValueKind != JsonValueKind.Object
                    || !target.TryGetProperty("task", out var name) || name.ValueKind != JsonValueKind.String
                    || !target.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.String)
                    continue;
                BenchmarkTasks.RegisterFromTaskFolder(catalog, name.GetString()!, data.GetString()!);
            }
        }
    }
}
