using System.CommandLine;
using Mpt.Cli.Commands;
using Mpt.Pipeline;

namespace Mpt.Cli;

/// <summary>
/// The <c>mpt</c> command line: one table of verbs, each a small class that builds its <see cref="Command"/>.
/// Commands write to the writers passed in, so tests drive the CLI in-process and read what a user would see.
/// </summary>
public static class MptCli
{
    /// <summary>Exit code for success.</summary>
    public const int Ok = 0;

    /// <summary>
    /// Exit code when the work failed: bad input (missing or corrupt file, wrong shapes, a config that cannot run, ...)
    /// or any other failure, including errors raised inside libtorch.
    /// </summary>
    public const int Failed = 1;

    /// <summary>Exit code for a command line that does not parse (unknown verb or flag, missing argument).</summary>
    public const int Usage = 2;

    /// <summary>Exit code of a training run stopped early (Ctrl+C, like a shell's 128 + SIGINT); it can be resumed.</summary>
    public const int Interrupted = 130;

    /// <summary>Shows stack traces of failures; without it a failure is one line naming the file and the problem.</summary>
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Show full error details (stack traces) when something fails.",
        Recursive = true,
    };

    /// <summary>The verbs, in the order <c>mpt --help</c> lists them.</summary>
    public static IReadOnlyList<Command> Verbs(CliContext context) =>
    [
        StageCommand.Create(context, PipelineStages.All),
        StageCommand.Create(context, PipelineStages.Teachers),
        StageCommand.Create(context, PipelineStages.Distill),
        StageCommand.Create(context, PipelineStages.Adapt),
        EvaluateCommand.Create(context),
        PredictCommand.Create(context),
        ExportCommand.Create(context),
        ImportCommand.Create(context),
        ReportCommand.Create(context),
        QuickstartCommand.Create(context),
        DataCommand.Create(context),
        InfoCommand.Create(context),
        BenchCommand.Create(context),
        ServeCommand.Create(context),
    ];

    /// <summary>Builds the root command.</summary>
    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand("mpt: multitask prompt tuning (Wang et al., ICLR 2023) for T5 models (and a MiniLM encoder) in .NET.");
        root.Add(Verbose);
        foreach (var verb in Verbs(context)) root.Add(verb);
        return root;
    }

    /// <summary>Parses and runs a command line; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var context = new CliContext(output, error) { Args = args };
        return Run(BuildRoot(context), context);
    }

    /// <summary>
    /// Parses <see cref="CliContext.Args"/> against <paramref name="root"/> and runs the chosen verb. A command line that
    /// does not parse exits with <see cref="Usage"/>; any failure of the verb — bad input, an error raised inside
    /// libtorch, a failed disk, a bug — is one line on the error writer (the stack trace only with <c>--verbose</c>,
    /// see <see cref="CliErrors"/>) and exit code <see cref="Failed"/>, never an unhandled exception.
    /// </summary>
    public static int Run(RootCommand root, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(context);
        var error = context.Error;
        var parse = root.Parse(context.Args.ToArray());
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) error.WriteLine($"error: {e.Message}");
            string? hint = Suggestions.ForUnknownTokens(root, parse);
            if (hint is not null) error.WriteLine(hint);
            error.WriteLine("Run 'mpt --help' for the verbs and 'mpt <verb> --help' for their options.");
            return Usage;
        }
        var config = new InvocationConfiguration { Output = context.Output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return parse.Invoke(config);
        }
        catch (Exception e)
        {
            CliErrors.Report(error, e, parse.GetValue(Verbose));
            // Under an MPI launcher the other ranks would wait forever in their next collective: end the job.
            Mpt.Distributed.MpiWorld.AbortIfRunning(Failed);
            return Failed;
        }
    }
}

/// <summary>The writers a command prints to.</summary>
public sealed record CliContext(TextWriter Output, TextWriter Error)
{
    /// <summary>The command line as given (for "resume with ..." hints).</summary>
    public IReadOnlyList<string> Args { get; init; } = [];
}
