namespace Mpt.RealData;

/// <summary>
/// A source package could not be obtained: the client program (npm, apt-get, dpkg-deb) is missing, the download
/// failed (network, unknown version), or the archive could not be read. The message says which and what to do.
/// </summary>
public sealed class SourceFetchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SourceFetchException(string message, Exception? inner = null) : base(message, inner) { }
}
