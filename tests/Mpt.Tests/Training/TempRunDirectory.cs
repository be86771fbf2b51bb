namespace Mpt.Tests.Training;

/// <summary>A fresh temporary directory for run folders, deleted on dispose.</summary>
internal sealed class TempRunDirectory : IDisposable
{
    public TempRunDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mpt-run-" + Guid.NewGuid().ToString("N"));

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
