namespace Mpt.Tests.Peft;

/// <summary>A fresh temporary folder for adapter files, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mpt-peft-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A path inside the folder.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>A copy of <paramref name="source"/>'s files in a new sub-folder, for tests that edit an adapter.</summary>
    public string CopyOf(string source, string name)
    {
        string target = Combine(name);
        Directory.CreateDirectory(target);
        foreach (var f in Directory.GetFiles(source))
            File.Copy(f, System.IO.Path.Combine(target, System.IO.Path.GetFileName(f)));
        return target;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* best effort: a leftover temp folder must not fail a test */ }
    }
}
