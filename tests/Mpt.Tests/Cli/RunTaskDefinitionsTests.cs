using Xunit;
using Mpt.Cli;
using Mpt.Tasks;
using Mpt.Tests.Quickstart;

namespace Mpt.Tests.Cli;

/// <summary>Task definitions read from a built real-data benchmark, for verbs that take a task folder (<c>mpt evaluate</c>).</summary>
public sealed class RunTaskDefinitionsTests
{
    [Fact]
    public void A_benchmark_task_folder_registers_the_task_with_the_manifests_labels_and_descriptions()
    {
        using var benchmark = new MiniBenchmarkFolder();
        var catalog = TaskCatalog.CreateDefault();
        Assert.False(catalog.Contains(MiniBenchmarkFolder.Polarity));

        RunTaskDefinitions.RegisterBenchmarkTask(catalog, MiniBenchmarkFolder.Polarity, benchmark.Combine(MiniBenchmarkFolder.Polarity) + Path.DirectorySeparatorChar);

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
        RunTaskDefinitions.RegisterBenchmarkTask(catalog, MiniBenchmarkFolder.Polarity, benchmark.Path); // the benchmark itself, not a task folder
        Assert.Equal(before, catalog.Tasks.Count);

        var e = Assert.Throws<KeyNotFoundException>(() =>
            RunTaskDefinitions.RegisterBenchmarkTask(catalog, "no-such-task", benchmark.Combine(MiniBenchmarkFolder.Polarity)));
        Assert.Contains("manifest.json", e.Message);
        Assert.Contains(MiniBenchmarkFolder.Polarity, e.Message);
    }

    [Fact]
    public void Evaluate_finds_a_benchmark_task_by_its_folder()
    {
        // Before, `mpt evaluate --task word-polarity --data ~/.cache/mpt/realdata/word-polarity` stopped at "Unknown task":
        // the quickstart's source and target tasks are not in the default catalogue. With the folder's task resolved, the
        // command gets as far as the model (here a missing folder, so no model is loaded).
        using var benchmark = new MiniBenchmarkFolder();
        string missingModel = benchmark.Combine("no-model");
        var result = CliRunner.Run("evaluate", "--model", missingModel, "--task", MiniBenchmarkFolder.Polarity,
            "--data", benchmark.Combine(MiniBenchmarkFolder.Polarity), "--split", "validation");
        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("Unknown task", result.Error);
        Assert.Contains("no-model", result.Error);
    }
}
