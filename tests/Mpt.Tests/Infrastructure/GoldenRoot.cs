namespace Mpt.Tests.Infrastructure;

/// <summary>
/// Resolves the golden-file root: the folder named by <c>MPT_GOLDEN_DIR</c> when set, else <c>../shared/golden</c>
/// relative to the repository root. Fails loudly (never skips) when neither exists, so a golden test cannot pass
/// vacuously.
/// </summary>
public static class GoldenRoot
{
    public const string EnvironmentVariable = "MPT_GOLDEN_DIR";

    private static readonly Lazy<string> Resolved = new(Resolve);

    /// <summary>The absolute golden root.</summary>
    public static string Path => Resolved.Value;

    /// <summary>Absolute path of a file or folder under the golden root.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>
    /// Every model folder under <c>models/</c> (sorted by name). A folder without golden.json is an incomplete case and
    /// fails loudly rather than being skipped; a golden root without <c>models/</c> fails too.
    /// </summary>
    public static IReadOnlyList<string> ModelNames()
    {
        string models = Combine("models");
        if (!Directory.Exists(models))
            throw new DirectoryNotFoundException($"golden root '{Path}' has no models/ folder.");
        var folders = Directory.GetDirectories(models).OrderBy(d => d, StringComparer.Ordinal).ToList();
        var incomplete = folders.Where(d => !File.Exists(System.IO.Path.Combine(d, "golden.json"))).ToList();
        if (incomplete.Count > 0)
            throw new InvalidDataException($"golden model folder(s) without golden.json: {string.Join(", ", incomplete)}.");
        return folders.Select(d => System.IO.Path.GetFileName(d)!).ToList();
    }

    private static string Resolve()
    {
        string? fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            string full = System.IO.Path.GetFullPath(fromEnv);
            if (!Directory.Exists(full))
                throw new DirectoryNotFoundException($"{EnvironmentVariable} names '{full}', which does not exist.");
            return full;
        }
        string repoRoot = RepositoryRoot();
        string shared = System.IO.Path.GetFullPath(System.IO.Path.Combine(repoRoot, "..", "shared", "golden"));
        if (!Directory.Exists(shared))
            throw new DirectoryNotFoundException(
                $"No golden folder: {EnvironmentVariable} is not set and '{shared}' does not exist.");
        return shared;
    }

    /// <summary>The repository root: the nearest ancestor of the test binary that holds Mpt.slnx.</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Mpt.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException(
            $"Cannot find the repository root (Mpt.slnx) above '{AppContext.BaseDirectory}'.");
    }
}
