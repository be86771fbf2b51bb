using System.Text.Json;
using Mpt.Pipeline;
using Mpt.Quickstart;
using Mpt.Tasks;
using Xunit;

namespace Mpt.Tests.Quickstart;

/// <summary>Task definitions read from a built real-data benchmark: by a task folder, and when resolving a config's entries.</summary>
public sealed class BenchmarkTasksTests
{
    [Fact]
    public void A_benchmark_task_folder_registers_the_task_with_the_manifests_labels_and_descriptions()
    {
        using var benchmark = new MiniBenchmarkFolder();
        var catalog = TaskCatalog.CreateDefault();
        Assert.False(catalog.Contains(MiniBenchmarkFolder.Polarity));

        BenchmarkTasks.RegisterFromTaskFolder(catalog, MiniBenchmarkFolder.Polarity, benchmark.Combine(MiniBenchmarkFolder.Polarity) + Path.DirectorySeparatorChar);

        var task = catalog.Get(MiniBenchmarkFolder.Polarity);
        Assert.Equal(["positive", "negative"], task.Labels);
        Assert.Equal("a negative word", task.LabelDescriptions!["negative"]);
    }

    [Fact]
    public void A_folder_outside_a_benchmark_registers_nothing_and_an_unknown_task_names_the_manifest()
    {
        using var benchmark = new MiniBenchmarkFolder();
        var catalog = TaskCatalog.CreateDefault();
        int before = catalog.Tasks.Count;
        BenchmarkTasks.RegisterFromTaskFolder(catalog, MiniBenchmarkFolder.Polarity, benchmark.Path); // the benchmark itself, not a task folder
        Assert.Equal(before, catalog.Tasks.Count);

        var e = Assert.Throws<KeyNotFoundException>(() =>
            BenchmarkTasks.RegisterFromTaskFolder(catalog, "no-such-task", benchmark.Combine(MiniBenchmarkFolder.Polarity)));
        Assert.Contains("manifest.json", e.Message);
        Assert.Contains(MiniBenchmarkFolder.Polarity, e.Message);
    }

    [Fact]
    public void A_config_that_names_benchmark_tasks_by_their_folders_resolves_as_the_run_that_wrote_it()
    {
        // A run's config.json records each benchmark task by its task folder (the resolved form). Passing that file back
        // (mpt adapt --config RUN/config.json) once stopped at "Unknown task" before any work: only a benchmark folder or
        // a bare name registered the task's definition.
        using var benchmark = new MiniBenchmarkFolder();
        string topicFolder = benchmark.Combine(MiniBenchmarkFolder.Topic);
        string reviewsFolder = benchmark.Combine(MiniBenchmarkFolder.Reviews);
        var config = ConfigJson.Parse($$"""
            {
              "model": {"path": "minilm"},
              "sources": [{"task": "{{MiniBenchmarkFolder.Topic}}", "data": {{JsonSerializer.Serialize(topicFolder)}}}],
              "targets": [{"task": "{{MiniBenchmarkFolder.Reviews}}", "data": {{JsonSerializer.Serialize(reviewsFolder)}}}]
            }
            """);
        var catalog = TaskCatalog.CreateDefault();

        var resolved = BenchmarkTasks.Resolve(config, catalog, _ => { });

        Assert.Equal(["sports", "food"], catalog.Get(MiniBenchmarkFolder.Topic).Labels);
        Assert.Equal(["positive", "negative"], catalog.Get(MiniBenchmarkFolder.Reviews).Labels);
        Assert.Equal(topicFolder, resolved.Sources[0].Data);
        Assert.Equal(reviewsFolder, resolved.Targets[0].Data);
    }
}
