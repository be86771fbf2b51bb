namespace Mpt.Serialization;

/// <summary>
/// The per-user cache folder of Mpt (extracted MiniLM files, the <c>model.dtype auto</c> probe results):
/// <c>MPT_CACHE_DIR</c>, else <c>$XDG_CACHE_HOME/mpt</c>, else <c>~/.cache/mpt</c> (the XDG base-directory convention),
/// else a folder under the temporary directory when there is no home.
/// </summary>
public static class MptCacheFolder
{
    /// <summary>Environment variable that overrides the cache folder.</summary>
    public const string Variable = "MPT_CACHE_DIR";

    /// <summary>The cache folder for this process's environment (not created).</summary>
    public static string Default()
    {
        string? explicitFolder = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(explicitFolder)) return explicitFolder;
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg)) return Path.Combine(xdg, "mpt");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? Path.Combine(Path.GetTempPath(), "mpt-cache") : Path.Combine(home, ".cache", "mpt");
    }
}
