using System.Runtime.InteropServices;

namespace Mpt.Serialization;

/// <summary>
/// The one way Mpt writes a file that is read back or is a result (checkpoints, adapters, settings, results, reports,
/// config.json): the bytes go to <c>NAME.tmp</c> in the same folder, are flushed to the disk (fsync), the temporary file
/// is renamed over <c>NAME</c> (atomic on POSIX file systems), and the folder itself is fsynced so the rename survives a
/// power loss. A process killed at any moment therefore leaves either the old file or the new one under <c>NAME</c>,
/// never a mixture; at worst a stale <c>NAME.tmp</c>, which no reader opens and the next write replaces
/// (<see cref="RemoveLeftovers"/> clears them when a run folder is locked). This is the write protocol of e.g. SQLite's
/// and git's lock-file renames; docs/reliability-runs.md lists the guarantees and their tests.
/// </summary>
/// <remarks>
/// A failed write (disk full, read-only folder) deletes its temporary file, leaves the previous <c>NAME</c> untouched and
/// throws an <see cref="IOException"/> (or <see cref="UnauthorizedAccessException"/>) whose message names the file.
/// Under an MPI launcher only rank 0 writes (<see cref="Distributed.MpiWorld.IsWriter"/>): on the other ranks, which
/// run the same code on the same shared run folder, a write does nothing.
/// </remarks>
public static class AtomicFile
{
    /// <summary>Suffix of the temporary file or folder next to its target.</summary>
    public const string TempSuffix = ".tmp";

    // Test seam: returns the fault to raise for a write of the given path (after half of its bytes are written, as a
    // disk that fills up mid-write would), or null. Flows with the async context, so one test's faults do not reach
    // writes made by tests running in parallel.
    private static readonly AsyncLocal<Func<string, Exception?>?> FaultInjector = new();

    /// <summary>Makes every atomic write in the current async flow ask <paramref name="fault"/> first (tests only); null removes it.</summary>
    internal static void InjectFaults(Func<string, Exception?>? fault) => FaultInjector.Value = fault;

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no BOM, as <see cref="File.WriteAllText(string, string?)"/>).</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Writes <paramref name="bytes"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>Writes whatever <paramref name="write"/> puts into the stream (for large files written in slices).</summary>
    /// <exception cref="IOException">The write failed (the file is named; the previous file is unchanged).</exception>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable (the file is named).</exception>
    public static void Write(string path, Action<Stream> write, int bufferSize = 1 << 16)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (!Distributed.MpiWorld.IsWriter) return;
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        string tmp = full + TempSuffix;
        try
        {
            Directory.CreateDirectory(folder);
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize))
            {
                if (FaultInjector.Value?.Invoke(full) is { } fault)
                {
                    using (var probe = new MemoryStream()) { write(probe); stream.Write(probe.GetBuffer(), 0, (int)(probe.Length / 2)); }
                    stream.Flush();
                    throw fault;
                }
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
            SyncFolder(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            string message = $"{full}: could not be written ({e.Message.TrimEnd('.')}); the previous version, if any, is unchanged.";
            throw e is UnauthorizedAccessException ? new UnauthorizedAccessException(message, e) : new IOException(message, e);
        }
    }

    /// <summary>
    /// Replaces the folder <paramref name="path"/> as a whole: <paramref name="writeInto"/> fills <c>PATH.tmp/</c> (with
    /// atomic writes), which is then renamed to <paramref name="path"/>. A kill leaves the complete old folder, no folder,
    /// or the complete new one, never a partly written folder under <paramref name="path"/>.
    /// </summary>
    public static void ReplaceFolder(string path, Action<string> writeInto)
    {
        ArgumentNullException.ThrowIfNull(writeInto);
        if (!Distributed.MpiWorld.IsWriter) return;
        string full = Path.GetFullPath(path);
        string tmp = full + TempSuffix;
        if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        Directory.CreateDirectory(tmp);
        writeInto(tmp);
        if (Directory.Exists(full)) Directory.Delete(full, recursive: true);
        Directory.Move(tmp, full);
        SyncFolder(Path.GetDirectoryName(full)!);
    }

    /// <summary>
    /// Deletes the temporary files and folders (<c>*.tmp</c>) a killed writer left under <paramref name="root"/>, except
    /// inside subfolders <paramref name="ownedElsewhere"/> says another owner cleans (e.g. a work item with its own lock,
    /// where a shard may be writing now). Only for a folder this process owns (a locked run folder): a writer of another
    /// process would lose its temporary file.
    /// </summary>
    public static void RemoveLeftovers(string root, Func<string, bool>? ownedElsewhere = null)
    {
        if (!Directory.Exists(root)) return;
        foreach (string file in Directory.GetFiles(root, "*" + TempSuffix)) TryDelete(file);
        foreach (string dir in Directory.GetDirectories(root))
        {
            if (dir.EndsWith(TempSuffix, StringComparison.Ordinal)) { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
            else if (ownedElsewhere?.Invoke(dir) != true) RemoveLeftovers(dir, ownedElsewhere);
        }
    }

    /// <summary>
    /// fsyncs the folder itself, so a rename into it is on the disk (POSIX: the rename is durable only once its directory
    /// is). .NET cannot open a directory as a <see cref="FileStream"/>, so this calls libc's open/fsync; on Windows,
    /// where NTFS journals renames itself, it does nothing.
    /// </summary>
    /// <exception cref="IOException">fsync failed (the folder is named).</exception>
    public static void SyncFolder(string folder)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        int fd = Libc.open(folder, 0 /* O_RDONLY: enough to fsync a directory */);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"{folder}: could not open the folder to flush it to disk ({Marshal.GetPInvokeErrorMessage(errno)}).");
        }
        try
        {
            if (Libc.fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                // EINVAL: the file system does not support fsync on directories (nothing to flush).
                if (errno != 22) throw new IOException($"{folder}: could not flush the folder to disk ({Marshal.GetPInvokeErrorMessage(errno)}).");
            }
        }
        finally { _ = Libc.close(fd); }
    }

    private static void TryDelete(string file)
    {
        try { File.Delete(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* best effort: a stale .tmp is never read */ }
    }

    private static class Libc
    {
        [DllImport("libc", SetLastError = true)]
        internal static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        internal static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        internal static extern int close(int fd);
    }
}
