using Mpt.Cli;

namespace Mpt.Tests.Cli;

/// <summary>Runs the CLI in-process and captures what a user would see.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static Result Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = MptCli.Run(args, output, error);
        return new Result(code, output.ToString(), error.ToString());
    }
}
