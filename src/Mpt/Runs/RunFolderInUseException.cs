namespace Mpt.Runs;

/// <summary>A second run was started on a run folder another run is working in (<see cref="RunLock"/>).</summary>
public sealed class RunFolderInUseException : IOException
{
    /// <summary>Creates the exception for <paramref name="folder"/>, held by process <paramref name="pid"/> (null when unknown).</summary>
    public RunFolderInUseException(string folder, int? pid)
        : base($"{folder} is in use by another mpt run (PID {(pid is { } p ? p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown")}, recorded in {Path.Combine(folder, RunLock.FileName)}): " +
               "wait for it to finish or stop it, or choose another --run-dir (a run that was killed releases the folder by itself).")
    {
        Folder = folder;
        Pid = pid;
    }

    /// <summary>The folder in use.</summary>
    public string Folder { get; }

    /// <summary>The PID recorded by the holder, or null.</summary>
    public int? Pid { get; }
}
