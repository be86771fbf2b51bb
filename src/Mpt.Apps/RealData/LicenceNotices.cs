namespace Mpt.RealData;

/// <summary>
/// Copies the licence notices that must travel with derived files into the task folders: the WordNet licence
/// requires its copyright notice and disclaimer on ALL copies (S3, S5, T4), and the VADER package's MIT licence and
/// Apache NOTICE go with S5. The other sources' attributions are in the manifest and docs/data.md.
/// </summary>
internal static class LicenceNotices
{
    /// <summary>Writes <c>LICENSE-WordNet</c>, <c>LICENSE-vader</c> and <c>NOTICE-vader</c> next to the tasks built from those packages.</summary>
    public static void Copy(IReadOnlyList<BenchmarkTask> tasks, SourceFolders folders, string outputDir)
    {
        var notices = new (PinnedPackage Package, string Folder, string File, string Target)[]
        {
            (PinnedSources.WordNet, folders.WordNet, "LICENSE", "LICENSE-WordNet"),
            (PinnedSources.Vader, folders.Vader, "LICENSE", "LICENSE-vader"),
            (PinnedSources.Vader, folders.Vader, "NOTICE", "NOTICE-vader"),
        };
        foreach (BenchmarkTask task in tasks)
            foreach (var (package, folder, file, target) in notices)
            {
                if (!task.Sources.Contains(package)) continue;
                string source = SourceText.RequireFile(folder, file, package);
                File.Copy(source, Path.Combine(outputDir, task.Name, target), overwrite: true);
            }
    }
}
