// Entry point of the `mpt` command. All verbs live in MptCli; this file only wires the process's console to it.
return Mpt.Cli.MptCli.Run(args, Console.Out, Console.Error);
