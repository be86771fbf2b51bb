namespace Mpt.Serving;

/// <summary>
/// The folder run-time adapters may come from (<c>--adapter-dir</c>): a requested path is resolved inside it, every
/// symbolic link followed, and refused when it or anything it links to lies outside (no <c>..</c> traversal, no absolute
/// path elsewhere, no link out of the folder).
/// </summary>
public sealed class AdapterDirectory
{
    /// <summary>The folder, every link in its path resolved.</summary>
    public string Root { get; }

    /// <summary>The folder at <paramref name="path"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">It does not exist.</exception>
    public AdapterDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"adapter folder '{path}' does not exist.");
        Root = RealPath(Path.GetFullPath(path));
    }

    /// <summary>The real path of <paramref name="requested"/> (relative to <see cref="Root"/>, or absolute inside it).</summary>
    /// <exception cref="UnauthorizedAccessException">The path, or a link in it or in the adapter folder, leads outside <see cref="Root"/>.</exception>
    /// <exception cref="FileNotFoundException">Nothing is there.</exception>
    public string Resolve(string requested)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requested);
        if (requested.Contains('\0', StringComparison.Ordinal)) throw new UnauthorizedAccessException("the path contains a NUL character.");
        string full = Path.GetFullPath(Path.IsPathRooted(requested) ? requested : Path.Combine(Root, requested));
        if (!IsInside(full)) throw Outside(requested, "it is");
        if (!File.Exists(full) && !Directory.Exists(full))
            throw new FileNotFoundException($"'{requested}' does not exist in the adapter folder.", requested);
        string real = RealPath(full);
        if (!IsInside(real)) throw Outside(requested, "a symbolic link in it leads");
        // The files an adapter folder holds (and its adapter/ subfolder) may be links too.
        if (Directory.Exists(real))
            foreach (string entry in Directory.EnumerateFileSystemEntries(real, "*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 2, AttributesToSkip = 0 }))
                if (!IsInside(RealPath(entry))) throw Outside(requested, $"'{Path.GetRelativePath(real, entry)}' in it links");
        return real;
    }

    private bool IsInside(string path) =>
        path == Root || path.StartsWith(Path.EndsInDirectorySeparator(Root) ? Root : Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private UnauthorizedAccessException Outside(string requested, string what) =>
        new($"'{requested}': {what} outside the adapter folder ({Root}); adapters are loaded only from inside --adapter-dir.");

    /// <summary><paramref name="full"/> with every symbolic link among its components replaced by its final target.</summary>
    private static string RealPath(string full)
    {
        string root = Path.GetPathRoot(full) ?? "";
        string current = root;
        foreach (string part in full[root.Length..].Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar))
        {
            if (part.Length == 0) continue;
            string next = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.LinkTarget is not null)
            {
                // A dangling link resolves to where it points; its target is then checked like any path.
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                string targetPath = target?.FullName ?? Path.GetFullPath(info.LinkTarget, current);
                next = targetPath == next ? next : RealPath(Path.GetFullPath(targetPath));
            }
            current = next;
        }
        return current;
    }
}
