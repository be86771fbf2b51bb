namespace Mpt.Cli;

/// <summary>The command line this process was started with, to start the same command again.</summary>
public static class ProcessCommandLine
{
    /// <summary>
    /// The executable and the full argument vector of this process. On Linux the vector is read from
    /// <c>/proc/self/cmdline</c>, so host options (<c>dotnet exec --runtimeconfig …</c>) survive; elsewhere it is rebuilt
    /// from the executable, the entry assembly when the host is <c>dotnet</c>, and the arguments.
    /// </summary>
    public static (string File, IReadOnlyList<string> Argv) Current()
    {
        string file = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this process's executable is unknown.");
        const string procCmdline = "/proc/self/cmdline";
        if (File.Exists(procCmdline))
        {
            var parts = File.ReadAllText(procCmdline).Split('\0');
            // The kernel ends every argument with a NUL, so the split leaves one empty entry after the last one.
            return (file, parts[..^1]);
        }
        var args = Environment.GetCommandLineArgs();
        bool hostedByDotnet = Path.GetFileNameWithoutExtension(file).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return (file, hostedByDotnet ? [file, .. args] : [file, .. args[1..]]);
    }
}
