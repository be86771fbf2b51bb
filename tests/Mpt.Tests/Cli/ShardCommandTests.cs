using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// The shard flags of the stage verbs are refused in one line where they do not apply — <c>mpt run</c> and
/// <c>mpt distill</c> (stages that need every item of the previous one), a gather (which collects every shard), an
/// out-of-range shard — and a gather of a folder whose items are not done names them, before any work.
/// </summary>
public sealed class ShardCommandTests : IDisposable
{
    private readonly PipelineWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    [Theory]
    [InlineData("run", "--shard 0/2", "--shard applies to mpt teachers and mpt adapt, whose items are independent; mpt run chains stages")]
    [InlineData("distill", "--shard-count 2", "--shard applies to mpt teachers and mpt adapt, whose items are independent; mpt distill is one run over every teacher")]
    [InlineData("adapt", "--shard 2/2", "--shard 2/2: the shard index must be in 0..1 for 2 shard(s), got 2.")]
    [InlineData("teachers", "--shard 1", "--shard takes INDEX/COUNT with 0-based INDEX (e.g. 0/4), or 'off', got '1'.")]
    [InlineData("adapt", "--gather --shard 0/2", "--gather collects the items of every shard: drop --shard / --shard-count.")]
    [InlineData("adapt", "--gather", "cannot gather, 1 of 1 work item(s) are not done: adapt/rte/mpt/seed-42 (run or restart the shards")]
    public void Misplaced_Or_Bad_Shard_Flags_And_An_Early_Gather_Are_One_Line(string verb, string flags, string expected)
    {
        string runDir = _ws.PathOf("run");
        var r = CliRunner.Run([verb, "--config", _ws.WriteConfig(), "--run-dir", runDir, "--quiet", .. flags.Split(' ')]);
        Assert.Equal(1, r.ExitCode);
        Assert.DoesNotContain('\n', r.Error.Trim());
        Assert.StartsWith($"error: {expected}", r.Error.Trim().Replace(runDir + ": ", ""));
        Assert.False(Directory.Exists(Path.Combine(runDir, "adapt")), "a refused command trained");
    }
}
