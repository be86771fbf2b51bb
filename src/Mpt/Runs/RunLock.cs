using Mpt.Serialization;

namespace Mpt.Runs;

/// <summary>
/// The one-writer rule of a run folder: <c>run.lock</c> in the folder, held with an OS byte-range lock (fcntl on Linux and
/// macOS, LockFileEx on Windows) for as long as a run works in the folder. The OS releases the lock when the process
/// ends, however it ends (SIGKILL included), so a killed run never leaves the folder stuck; the file itself stays and
/// records the PID of its last holder, for the message a second run gets. (On macOS, where .NET offers no byte-range
/// lock, only runs inside one process exclude each other.)
/// </summary>
/// <remarks>
/// POSIX record locks belong to the process, not to the open file, so two runs inside one process would not exclude each
/// other through the OS lock alone (and closing a second handle on the file would drop the first's lock): folders held
/// by this process are also kept in a process-wide set, checked before the file is opened.
/// </remarks>
public sealed class RunLock : IDisposable
{
    /// <summary>File name of the lock inside the run folder.</summary>
    public const string FileName = "run.lock";

    // The locked byte lies past the PID text, so that on Windows (where a locked range cannot be read) the PID stays readable.
    private const long LockOffset = 1 << 20;

    private static readonly HashSet<string> HeldByThisProcess = new(StringComparer.Ordinal);

    private readonly FileStream? _stream;

    private RunLock(string folder, FileStream? stream)
    {
        Folder = folder;
        _stream = stream;
    }

    /// <summary>The locked run folder (absolute).</summary>
    public string Folder { get; }

    /// <summary>
    /// Locks <paramref name="folder"/> (created if needed) for this process, records its PID in <c>run.lock</c> and
    /// removes the temporary files a killed writer left (<see cref="AtomicFile.RemoveLeftovers"/>), which is safe only
    /// once no other process can be writing there — so not inside subfolders that have a lock of their own (the
    /// pipeline's work items, which shards lock one by one: docs/sharding.md).
    /// </summary>
    /// <exception cref="RunFolderInUseException">Another run holds the folder (the folder and its PID are named).</exception>
    /// <remarks>
    /// Under an MPI launcher rank 0 locks the folder for the whole job; the other ranks, which write nothing there
    /// (<see cref="Distributed.MpiWorld.IsWriter"/>), hold no lock.
    /// </remarks>
    public static RunLock Acquire(string folder)
    {
        string full = Path.GetFullPath(folder);
        if (!Distributed.MpiWorld.IsWriter) return new RunLock(full, null);
        Directory.CreateDirectory(full);
        lock (HeldByThisProcess)
        {
            if (!HeldByThisProcess.Add(full))
                throw new RunFolderInUseException(full, Environment.ProcessId);
        }
        FileStream? stream = null;
        try
        {
            stream = new FileStream(Path.Combine(full, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            try
            {
                // .NET has no byte-range locks on macOS: there only the in-process rule applies.
                if (!OperatingSystem.IsMacOS()) stream.Lock(LockOffset, 1);
            }
            catch (IOException)
            {
                throw new RunFolderInUseException(full, RecordedPid(stream));
            }
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
            stream.Flush(flushToDisk: true);
            // A subfolder with its own run.lock (a work item of the pipeline) is cleaned by whoever locks it: a shard of a
            // job array may hold it and be writing there now, without holding this folder.
            AtomicFile.RemoveLeftovers(full, dir => File.Exists(Path.Combine(dir, FileName)));
            return new RunLock(full, stream);
        }
        catch
        {
            stream?.Dispose();
            lock (HeldByThisProcess) HeldByThisProcess.Remove(full);
            throw;
        }
    }

    /// <summary>Releases the folder (the file stays; the next holder overwrites its PID).</summary>
    public void Dispose()
    {
        if (_stream is null) return;
        _stream.Dispose(); // closing the handle releases the OS lock
        lock (HeldByThisProcess) HeldByThisProcess.Remove(Folder);
    }

    private static int? RecordedPid(FileStream stream)
    {
        try
        {
            stream.Position = 0;
            var buffer = new byte[32];
            int n = stream.Read(buffer);
            return int.TryParse(System.Text.Encoding.ASCII.GetString(buffer, 0, n).Trim(), out int pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
