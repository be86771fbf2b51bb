using Xunit;
using Mpt.Tests.Quickstart;

namespace Mpt.Tests.Cli;

/// <summary>Verbs that take a task folder of a built real-data benchmark (<c>mpt evaluate</c>) find its task definition.</summary>
public sealed class RunTaskDefinitionsTests
{
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
