using System.Diagnostics;
using System.Text;

namespace Mpt.Tests.Distributed;

/// <summary>
/// The real <c>mpt</c> CLI under Open MPI's launcher on this machine (loopback):
/// <c>mpirun --allow-run-as-root --oversubscribe -np N dotnet Mpt.Cli.dll ARGS</c>, its output collected.
/// </summary>
public sealed class Mpirun : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private Mpirun(Process process) => _process = process;

    /// <summary>mpirun's full path, or null when it is not on PATH.</summary>
    public static string? Path { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => System.IO.Path.Combine(dir, "mpirun"))
        .FirstOrDefault(File.Exists);

    public static Mpirun Start(int ranks, params string[] args)
    {
        var start = new ProcessStartInfo(Path ?? throw new InvalidOperationException("mpirun is not installed"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        // --allow-run-as-root: CI containers run as root; --oversubscribe: more ranks than cores is fine for tests;
        // --bind-to none: two jobs of a test run must not be pinned to the same core.
        // Containers often forbid the cross-process reads (ptrace scope) of the shared-memory transport's single-copy
        // mode, which then fails every large message ("Read -1, expected ..."): copy through shared memory instead.
        start.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
        foreach (string a in new[] { "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", ranks.ToString(), "dotnet",
                     System.IO.Path.Combine(AppContext.BaseDirectory, "Mpt.Cli.dll") })
            start.ArgumentList.Add(a);
        foreach (string a in args) start.ArgumentList.Add(a);
        var process = new Process { StartInfo = start };
        var run = new Mpirun(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (run._output) run._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (run._output) run._output.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    /// <summary>Runs to the end (killed after <paramref name="timeout"/>); returns the exit code and all output (stdout and stderr).</summary>
    public static (int ExitCode, string Output) Run(int ranks, params string[] args)
    {
        using var run = Start(ranks, args);
        int code = run.Finish(TimeSpan.FromMinutes(3));
        return (code, run.Output);
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    public bool HasExited => _process.HasExited;

    public int Finish(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mpirun did not finish within {timeout}:\n{Output}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>The process id of rank <paramref name="rank"/> (a child of mpirun on this machine), once it runs.</summary>
    public int? RankPid(int rank)
    {
        foreach (int pid in Descendants(_process.Id))
        {
            try
            {
                string environ = File.ReadAllText($"/proc/{pid}/environ");
                if (environ.Split('\0').Contains($"OMPI_COMM_WORLD_RANK={rank}")) return pid;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return null;
    }

    private static IEnumerable<int> Descendants(int pid)
    {
        var children = new List<int>();
        try
        {
            foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
            {
                string file = System.IO.Path.Combine(task, "children");
                if (File.Exists(file))
                    children.AddRange(File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
            }
        }
        catch (IOException) { }
        foreach (int child in children)
        {
            yield return child;
            foreach (int grandchild in Descendants(child)) yield return grandchild;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
