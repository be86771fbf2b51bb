using Mpt.Serialization;
using Xunit;

namespace Mpt.Tests.Reliability;

/// <summary>The one atomic writer: a failed write leaves the previous file and no temporary file; folders replace as a whole.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-atomic-").FullName;

    public void Dispose()
    {
        AtomicFile.InjectFaults(null);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Writes_Replace_The_File_And_Leave_No_Temporary_File()
    {
        string path = Path.Combine(_dir, "sub", "a.json");
        AtomicFile.WriteAllText(path, "one");
        AtomicFile.WriteAllText(path, "two");
        Assert.Equal("two", File.ReadAllText(path));
        Assert.Equal(["a.json"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void A_Disk_Full_Midway_Keeps_The_Previous_File_Removes_The_Temporary_One_And_Names_The_File()
    {
        string path = Path.Combine(_dir, "a.json");
        AtomicFile.WriteAllText(path, "previous");
        AtomicFile.InjectFaults(p => new IOException($"No space left on device : '{p}.tmp'", 28));
        var e = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(path, new string('x', 1000)));
        Assert.StartsWith($"{path}: could not be written (No space left on device", e.Message);
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.False(File.Exists(path + AtomicFile.TempSuffix));
    }

    [Fact]
    public void A_Read_Only_Folder_Is_An_UnauthorizedAccessException_Naming_The_File()
    {
        string path = Path.Combine(_dir, "a.json");
        AtomicFile.InjectFaults(p => new UnauthorizedAccessException($"Access to the path '{p}.tmp' is denied."));
        var e = Assert.Throws<UnauthorizedAccessException>(() => AtomicFile.WriteAllText(path, "x"));
        Assert.StartsWith($"{path}: could not be written (Access to the path", e.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_Folder_Is_Replaced_As_A_Whole_And_A_Failed_Fill_Leaves_The_Old_One()
    {
        string folder = Path.Combine(_dir, "adapter");
        AtomicFile.ReplaceFolder(folder, d => { AtomicFile.WriteAllText(Path.Combine(d, "a"), "1"); AtomicFile.WriteAllText(Path.Combine(d, "b"), "1"); });
        AtomicFile.InjectFaults(p => Path.GetFileName(p) == "b" ? new IOException("No space left on device", 28) : null);
        Assert.Throws<IOException>(() => AtomicFile.ReplaceFolder(folder, d => { AtomicFile.WriteAllText(Path.Combine(d, "a"), "2"); AtomicFile.WriteAllText(Path.Combine(d, "b"), "2"); }));
        Assert.Equal("1", File.ReadAllText(Path.Combine(folder, "a")));
        Assert.Equal("1", File.ReadAllText(Path.Combine(folder, "b")));
        AtomicFile.InjectFaults(null);
        AtomicFile.RemoveLeftovers(_dir);
        Assert.False(Directory.Exists(folder + AtomicFile.TempSuffix));
    }

    [Fact]
    public void Syncing_A_Missing_Folder_Is_An_Error_Naming_It()
    {
        if (!OperatingSystem.IsLinux()) return;
        string missing = Path.Combine(_dir, "missing");
        var e = Assert.Throws<IOException>(() => AtomicFile.SyncFolder(missing));
        Assert.StartsWith($"{missing}: could not open the folder", e.Message);
    }
}
