using Mpt.Cli;
using Mpt.Pipeline;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// A config that cannot run is refused by <c>mpt run</c> before any work — not after the teachers have trained, when the
/// stage that cannot run starts — with one line naming the config keys.
/// </summary>
public sealed class StagePreconditionTests : IDisposable
{
    private readonly PipelineWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    public static TheoryData<string, string[], string[]> Cases() => new()
    {
        // K ~ U{2..κ} needs two sources.
        { "one source", ["--source", "mrpc=DATA:mrpc"], ["distill.stochastic_task_sampling", "sources", "at least 2"] },
        // Every drawn task needs an example of the batch.
        { "batch below κ", ["--set", "distill.loop.batch_size=1"], ["distill.loop.batch_size (1)", "κ = 2"] },
        // A plain distilled prompt has no task vectors to train or to share out.
        { "task vectors of a plain prompt", ["--set", "distill.decomposition=false", "--set", "adapt.update=task_vectors_only"], ["adapt.update=task_vectors_only", "distill.decomposition=false"] },
        { "MPT* from a plain prompt", ["--set", "distill.decomposition=false", "--set", "adapt.multi_target=true", "--target", "rte=DATA:rte", "--target", "superglue-boolq=DATA:superglue-boolq"], ["adapt.multi_target", "distill.decomposition=false"] },
        // Teachers read from another run must be there.
        { "teachers from an empty run", ["--set", "distill.teachers_from=\"DATA:\""], ["distill.teachers_from", "no finished teacher for source 'mrpc'"] },
        // Rank classification scores labels; a free-text task has none.
        { "rank classification of free text", ["--set", "evaluate.rank_classification=true", "--target", "squad=DATA:rte"], ["evaluate.rank_classification", "targets[0] 'squad'"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_Should_Refuse_A_Config_That_Cannot_Run_Before_Any_Teacher_Trains(string name, string[] flags, string[] named)
    {
        string runDir = _ws.PathOf("run-" + name.Replace(' ', '-'));
        string[] args = ["run", "--config", _ws.WriteConfig(), "--run-dir", runDir, "--quiet",
            .. flags.Select(f => f.Replace("DATA:", _ws.PathOf("data") + Path.DirectorySeparatorChar, StringComparison.Ordinal))];

        var r = CliRunner.Run(args);

        Assert.True(r.ExitCode == MptCli.Failed, $"{name}: exit {r.ExitCode}\n{r.Error}{r.Output}");
        string line = Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        foreach (string key in named) Assert.Contains(key, line);
        Assert.False(Directory.Exists(Path.Combine(runDir, PipelineRunner.TeachersDir)), $"{name}: teachers trained before the config was refused");
    }
}
