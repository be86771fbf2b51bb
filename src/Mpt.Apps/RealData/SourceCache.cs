namespace Mpt.RealData;

/// <summary>
/// Fetches pinned packages into a cache folder, verifies each archive against its integrity value before unpacking,
/// and unpacks it once. Layout under the cache folder:
/// <c>archives/NAME-VERSION.tgz|.deb</c> (the verified downloads) and <c>unpacked/NAME-VERSION/</c> (their
/// contents; a <c>.mpt-integrity</c> file written last marks a complete unpack). A second build finds both and
/// touches no network.
/// </summary>
public sealed class SourceCache
{
    private const string MarkerFile = ".mpt-integrity";
    private readonly string _root;
    private readonly RealDataOptions _options;

    /// <summary>Creates a cache rooted at <paramref name="cacheDir"/> (created on first use).</summary>
    public SourceCache(string cacheDir, RealDataOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cacheDir);
        _root = Path.GetFullPath(cacheDir);
        _options = options ?? new RealDataOptions();
    }

    /// <summary>
    /// The folder holding the unpacked contents of <paramref name="package"/> (for npm: the tarball's
    /// <c>package/</c> folder; for Debian: the data tree, e.g. <c>usr/share/...</c>), fetching and unpacking it
    /// first when the cache does not have it.
    /// </summary>
    /// <exception cref="IntegrityMismatchException">The download does not match the pinned integrity.</exception>
    /// <exception cref="SourceFetchException">The client is missing or the download failed.</exception>
    public string GetUnpacked(PinnedPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        string unpacked = Path.Combine(_root, "unpacked", package.CacheName);
        string marker = Path.Combine(unpacked, MarkerFile);
        if (File.Exists(marker) && File.ReadAllText(marker) == package.Integrity)
        {
            Log($"cached: {package.Spec}");
            return unpacked;
        }

        string archive = GetArchive(package);
        string partial = unpacked + ".partial";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        if (Directory.Exists(unpacked)) Directory.Delete(unpacked, recursive: true);
        Log($"unpacking {Path.GetFileName(archive)}");
        if (package.Registry == PackageRegistry.Npm)
            TarExtractor.ExtractTgz(archive, partial);
        else
            ExtractDeb(archive, partial);
        File.WriteAllText(Path.Combine(partial, MarkerFile), package.Integrity);
        Directory.Move(partial, unpacked);
        return unpacked;
    }

    /// <summary>
    /// The verified archive of <paramref name="package"/> in the cache, downloading it when absent. A cached
    /// archive that no longer matches is discarded and fetched again once; a fresh download that does not match
    /// is refused.
    /// </summary>
    public string GetArchive(PinnedPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        string archives = Path.Combine(_root, "archives");
        Directory.CreateDirectory(archives);
        string extension = package.Registry == PackageRegistry.Npm ? ".tgz" : ".deb";
        string archive = Path.Combine(archives, package.CacheName + extension);
        if (File.Exists(archive))
        {
            if (Integrity.Compute(archive, package.Integrity) == package.Integrity) return archive;
            Log($"cached archive {archive} does not match its integrity; fetching again");
            File.Delete(archive);
        }

        string download = Path.Combine(archives, $".download-{package.CacheName}-{Environment.ProcessId}");
        if (Directory.Exists(download)) Directory.Delete(download, recursive: true);
        Directory.CreateDirectory(download);
        try
        {
            Log($"fetching {package.Spec}");
            string fetched = package.Registry == PackageRegistry.Npm ? NpmPack(package, download) : AptDownload(package, download);
            Integrity.Verify(fetched, package.Integrity, package.Spec);
            File.Move(fetched, archive, overwrite: true);
            return archive;
        }
        finally
        {
            Directory.Delete(download, recursive: true);
        }
    }

    /// <summary>
    /// <c>npm pack NAME@VERSION --pack-destination DIR</c>: downloads the registry tarball only (no install, no
    /// dependencies, no package scripts).
    /// </summary>
    private string NpmPack(PinnedPackage package, string destination)
    {
        var npm = new ExternalTool(_options.NpmCommand,
            "Install Node.js and npm (e.g. 'apt-get install npm' or https://nodejs.org) so the benchmark's npm source packages can be fetched.");
        npm.Run(["pack", package.Spec, "--pack-destination", destination, "--ignore-scripts"], destination, $"npm pack {package.Spec}");
        return SingleFile(destination, "*.tgz", $"npm pack {package.Spec}");
    }

    /// <summary>
    /// <c>apt-get download NAME=VERSION</c> into <paramref name="destination"/> (no install, no root needed for the download
    /// itself). A fresh Debian machine or container has empty package lists, so apt does not know the package at all;
    /// then, when <see cref="RealDataOptions.RefreshAptLists"/> allows it (by default: running as root), the lists are
    /// refreshed once with <c>apt-get update</c> and the download is tried again.
    /// </summary>
    private string AptDownload(PinnedPackage package, string destination)
    {
        var apt = new ExternalTool(_options.AptGetCommand,
            "apt-get (Debian/Ubuntu) is needed to fetch the 'fortunes' package; set IncludeFortunes = false (--no-fortunes) to build without T6.");
        string what = $"apt-get download {package.Spec}";
        try
        {
            apt.Run(["download", package.Spec], destination, what);
        }
        catch (SourceFetchException e) when (AptListsLackPackage(e.Message))
        {
            if (!_options.RefreshAptLists)
                throw new SourceFetchException($"{e.Message}\nThe apt package lists do not know {package.Spec}: run 'sudo apt-get update' once, " +
                                               "or build without the fortunes source (--no-fortunes).", e);
            Log($"apt does not know {package.Spec} (empty or stale package lists): running 'apt-get update' once");
            apt.Run(["update", "-qq"], destination, "apt-get update");
            apt.Run(["download", package.Spec], destination, what);
        }
        return SingleFile(destination, "*.deb", what);
    }

    /// <summary>apt's messages for a package or version missing from its lists (as opposed to a network failure).</summary>
    internal static bool AptListsLackPackage(string output) =>
        output.Contains("Unable to locate package", StringComparison.Ordinal)
        || (output.Contains("Version '", StringComparison.Ordinal) && output.Contains("was not found", StringComparison.Ordinal));

    /// <summary>
    /// Unpacks a .deb's data tree. The data member is xz-compressed and .NET has no xz decoder, so
    /// <c>dpkg-deb --fsys-tarfile</c> (present on every Debian system, like apt-get) decompresses it and its
    /// plain tar output is read with System.Formats.Tar. Nothing is installed and no maintainer script runs.
    /// </summary>
    private void ExtractDeb(string deb, string target)
    {
        var dpkg = new ExternalTool(_options.DpkgDebCommand,
            "dpkg-deb (package 'dpkg', present on Debian/Ubuntu) is needed to read the 'fortunes' .deb; set IncludeFortunes = false to build without T6.");
        dpkg.RunStreaming(["--fsys-tarfile", deb], Path.GetDirectoryName(deb)!, $"dpkg-deb --fsys-tarfile {Path.GetFileName(deb)}",
            tar => TarExtractor.Extract(tar, target, stripFirstComponent: false, what: deb));
    }

    private static string SingleFile(string folder, string pattern, string what)
    {
        string[] files = Directory.GetFiles(folder, pattern);
        return files.Length == 1
            ? files[0]
            : throw new SourceFetchException($"{what} reported success but left {files.Length} '{pattern}' files in {folder} (expected 1)");
    }

    private void Log(string message) => _options.Log?.Invoke(message);
}
