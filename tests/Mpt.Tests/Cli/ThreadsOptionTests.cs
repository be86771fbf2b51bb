using Mpt.Cli;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary><c>--threads N</c> on the training and evaluation verbs.</summary>
public sealed class ThreadsOptionTests : IDisposable
{
    private readonly PipelineWorkspace _ws = new();
    private readonly int _threadsBefore = torch.get_num_threads();

    public void Dispose()
    {
        torch.set_num_threads(_threadsBefore);
        _ws.Dispose();
    }

    [Theory]
    [InlineData("run")]
    [InlineData("teachers")]
    [InlineData("distill")]
    [InlineData("adapt")]
    [InlineData("evaluate")]
    [InlineData("predict")]
    public void A_Non_Positive_Or_Non_Numeric_Count_Should_Be_A_Usage_Error_Naming_The_Flag(string verb)
    {
        foreach (string bad in new[] { "0", "-1", "two" })
        {
            var r = CliRunner.Run(verb, "--threads", bad);
            Assert.Equal(MptCli.Usage, r.ExitCode);
            Assert.Contains($"--threads takes a positive number of threads, got '{bad}'", r.Error);
        }
    }

    [Fact]
    public void Teachers_Should_Run_With_The_Given_Thread_Count()
    {
        // The test process runs torch at 1 thread (TestAssemblySetup); a different count proves the flag was applied.
        int wanted = _threadsBefore == 1 ? 2 : 1;
        var r = CliRunner.Run("teachers", "--config", _ws.WriteConfig(), "--run-dir", _ws.PathOf("threads"), "--threads", wanted.ToString(), "--quiet");
        Assert.True(r.ExitCode == MptCli.Ok, r.Error);
        Assert.Equal(wanted, torch.get_num_threads());
    }
}
