using System.Security.Cryptography;

namespace Mpt.RealData;

/// <summary>
/// Subresource-integrity style hashes as the registries publish them: npm's <c>sha512-</c> + base64 of the tarball
/// (its <c>dist.integrity</c>) and, for Debian archives, <c>sha256-</c> + lower-case hex (the hex form of the
/// <c>SHA256:</c> field in the archive's Packages index).
/// </summary>
public static class Integrity
{
    /// <summary>The integrity value of <paramref name="file"/> in the same algorithm and notation as <paramref name="expected"/>.</summary>
    public static string Compute(string file, string expected)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(expected);
        using FileStream stream = File.OpenRead(file);
        if (expected.StartsWith("sha512-", StringComparison.Ordinal))
            return "sha512-" + Convert.ToBase64String(SHA512.HashData(stream));
        if (expected.StartsWith("sha256-", StringComparison.Ordinal))
            return "sha256-" + Convert.ToHexStringLower(SHA256.HashData(stream));
        throw new ArgumentException($"unsupported integrity notation '{expected}' (expected 'sha512-<base64>' or 'sha256-<hex>')", nameof(expected));
    }

    /// <summary>
    /// Throws <see cref="IntegrityMismatchException"/> unless <paramref name="file"/> hashes to
    /// <paramref name="expected"/>. Called before any byte of the archive is unpacked.
    /// </summary>
    public static void Verify(string file, string expected, string package)
    {
        string actual = Compute(file, expected);
        if (!string.Equals(actual, expected, StringComparison.Ordinal))
            throw new IntegrityMismatchException(package, file, expected, actual);
    }

    /// <summary>Lower-case hex sha256 of a file (used for the manifest's per-file hashes).</summary>
    public static string Sha256Hex(string file)
    {
        using FileStream stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
