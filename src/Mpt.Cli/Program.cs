// Entry point of the `mpt` command. All verbs live in MptCli; this file only wires the process's console to it.
// MptCli.Run turns every failure of a verb into one line and exit code 1. An exception escaping on another thread
// (e.g. a background progress renderer) would otherwise end the process with SIGABRT (exit 134) and a raw dump: it is
// reported the same way before the runtime ends the process, with exit code 1.
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
{
    if (e.ExceptionObject is Exception exception)
        Mpt.Cli.CliErrors.Report(Console.Error, exception, verbose: args.Contains("--verbose") || args.Contains("-v"));
    Mpt.Distributed.MpiWorld.AbortIfRunning(Mpt.Cli.MptCli.Failed); // under an MPI launcher: end every rank of the job
    Environment.Exit(Mpt.Cli.MptCli.Failed);
};
// Under an MPI launcher the ranks other than 0 print nothing but errors (rank 0 reports for the job; docs/distributed.md).
return Mpt.Cli.MptCli.Run(args, Mpt.Distributed.MpiWorld.IsWriter ? Console.Out : TextWriter.Null, Console.Error);
