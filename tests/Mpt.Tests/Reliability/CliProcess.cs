using System.Diagnostics;
using System.Text;

namespace Mpt.Tests.Reliability;

/// <summary>The real <c>mpt</c> CLI as a child process (<c>dotnet Mpt.Cli.dll …</c>), with its output collected.</summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new(), _error = new();

    private CliProcess(Process process) => _process = process;

    /// <summary>The job-array variables a stage verb takes its shard from (<see cref="Mpt.Pipeline.Shard.Resolve"/>).</summary>
    private static readonly string[] ShardVariables =
    [
        Mpt.Pipeline.Shard.SlurmIdVariable, Mpt.Pipeline.Shard.SlurmCountVariable, Mpt.Pipeline.Shard.SlurmMinVariable,
        Mpt.Pipeline.Shard.KubernetesIndexVariable, Mpt.Pipeline.Shard.CountVariable,
    ];

    public static CliProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>
    /// Starts the CLI with <paramref name="environment"/> added to this process's; the job-array variables are only those
    /// given, so the tests behave alike when the suite itself runs inside a Slurm array or an Indexed Job.
    /// </summary>
    public static CliProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string name in ShardVariables) start.Environment.Remove(name);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Mpt.Cli.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        var process = new Process { StartInfo = start };
        var child = new CliProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (child._output) child._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (child._error) child._error.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public int Id => _process.Id;

    /// <summary>Waits at most <paramref name="timeout"/>; true when the process has exited.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>SIGKILL on Linux (no handler runs: the process just stops). False when it had already exited.</summary>
    public bool Kill()
    {
        if (_process.HasExited) return false;
        try { _process.Kill(); }
        catch (InvalidOperationException) { return false; } // exited in between
        _process.WaitForExit();
        return true;
    }

    /// <summary>Waits for a normal exit (killing the process after <paramref name="timeout"/>) and returns the exit code.</summary>
    public int Finish(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) { Kill(); throw new TimeoutException($"mpt did not finish within {timeout}:\n{Output}\n{Error}"); }
        _process.WaitForExit(); // drains the asynchronous readers
        return _process.ExitCode;
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    public string Error { get { lock (_error) return _error.ToString(); } }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
