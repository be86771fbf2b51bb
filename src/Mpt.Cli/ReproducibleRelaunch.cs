using System.Collections;
using System.Reflection;
using System.Runtime.InteropServices;
using Mpt.Numerics;

namespace Mpt.Cli;

/// <summary>
/// How <c>mpt</c> gets the reproducible environment (<see cref="ReproducibleEnvironment"/>) in place before libtorch
/// loads: MKL and ATen read their variables once at initialisation, so when the mode is on and the variables are not
/// already set, the process replaces itself (<c>execve</c>) with the same command line and the variables added. The
/// replacement keeps the process id, the standard streams, the terminal's process group (so Ctrl+C reaches the run and
/// its checkpoint-and-stop handler directly) and hands its exit code to the caller unchanged. A marker variable guards
/// against a loop: a process that was already re-executed and still lacks the variables stops with an error.
/// </summary>
/// <remarks>
/// Only the <c>mpt</c> executable re-executes itself (<see cref="CanReplaceProcess"/>); a program that calls
/// <see cref="MptCli.Run"/> in-process (tests, a host application) keeps its process and gets a warning instead.
/// </remarks>
public static class ReproducibleRelaunch
{
    /// <summary>Set in the environment of a re-executed process; its presence means "do not re-execute again".</summary>
    public const string MarkerVariable = "MPT_REPRODUCIBLE_RELAUNCHED";

    /// <summary>
    /// What to do for a command with the reproducible mode <paramref name="reproducible"/> in the environment
    /// <paramref name="environment"/>.
    /// </summary>
    public static RelaunchDecision Decide(bool reproducible, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!reproducible) return new RelaunchDecision(RelaunchAction.RunHere, [], []);
        var differences = ReproducibleEnvironment.Differences(environment);
        if (differences.Count == 0) return new RelaunchDecision(RelaunchAction.RunHere, [], []);
        if (environment(MarkerVariable) is not null) return new RelaunchDecision(RelaunchAction.LoopDetected, [], differences);
        if (Mpt.Distributed.MpiLauncher.Detect(environment) is not null) return new RelaunchDecision(RelaunchAction.SetByLauncher, [], differences);
        var set = ReproducibleEnvironment.Variables.Select(v => new KeyValuePair<string, string>(v.Name, v.Value))
            .Append(new(MarkerVariable, "1")).ToList();
        return new RelaunchDecision(RelaunchAction.Relaunch, set, differences);
    }

    /// <summary>
    /// True when this process is the <c>mpt</c> executable itself on a Unix system, so replacing it affects nobody
    /// else; false inside a test host or another program, and on Windows (no <c>execve</c>).
    /// </summary>
    public static bool CanReplaceProcess() =>
        !OperatingSystem.IsWindows() && Assembly.GetEntryAssembly() == typeof(ReproducibleRelaunch).Assembly;

    /// <summary>
    /// The environment of the re-executed process: <paramref name="current"/> with <paramref name="set"/> added or
    /// replaced, as <c>NAME=value</c> entries.
    /// </summary>
    public static IReadOnlyList<string> Environment(IDictionary current, IEnumerable<KeyValuePair<string, string>> set)
    {
        var merged = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in current) merged[(string)entry.Key] = entry.Value as string ?? "";
        foreach (var (name, value) in set) merged[name] = value;
        return merged.Select(kv => $"{kv.Key}={kv.Value}").ToList();
    }

    /// <summary>
    /// Replaces this process with the same command line and <paramref name="decision"/>'s variables added. Does not
    /// return unless the replacement failed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The process could not be replaced (the message names the reason).</exception>
    public static void ReplaceProcess(RelaunchDecision decision)
    {
        if (decision.Action != RelaunchAction.Relaunch) throw new ArgumentException("Only a Relaunch decision replaces the process.", nameof(decision));
        var (file, argv) = ProcessCommandLine.Current();
        var environment = Environment(System.Environment.GetEnvironmentVariables(), decision.Set);
        Console.Out.Flush();
        Console.Error.Flush();
        var argvPointers = NullTerminatedUtf8(argv);
        var envPointers = NullTerminatedUtf8(environment);
        execve(file, argvPointers, envPointers);
        int errno = Marshal.GetLastPInvokeError();
        foreach (var p in argvPointers.Concat(envPointers)) Marshal.FreeCoTaskMem(p);
        throw new InvalidOperationException(
            $"could not restart {file} with the reproducible environment ({Marshal.GetPInvokeErrorMessage(errno)}); " +
            $"set it yourself before starting mpt: {ReproducibleEnvironment.AsShellAssignments()}.");
    }

    // execve(2) takes NULL-terminated arrays of NUL-terminated byte strings; Unix arguments and environments are UTF-8.
    private static IntPtr[] NullTerminatedUtf8(IReadOnlyList<string> items) =>
        [.. items.Select(Marshal.StringToCoTaskMemUTF8), IntPtr.Zero];

    [DllImport("libc", SetLastError = true)]
    private static extern int execve([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr[] argv, IntPtr[] envp);
}
