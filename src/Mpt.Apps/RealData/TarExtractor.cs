using System.Formats.Tar;
using System.IO.Compression;

namespace Mpt.RealData;

/// <summary>
/// Unpacks tar streams with System.Formats.Tar (no external tar): npm tarballs (gzip, every entry under one top-level
/// folder, usually <c>package/</c>, which is stripped) and the data tar that <c>dpkg-deb --fsys-tarfile</c> writes.
/// Only regular files and folders are written; links and devices are skipped, and any entry that would land outside
/// the target folder (absolute path, <c>..</c>) is refused.
/// </summary>
internal static class TarExtractor
{
    /// <summary>Unpacks a <c>.tgz</c> file into <paramref name="targetDir"/>, dropping the first path component.</summary>
    public static void ExtractTgz(string tgzPath, string targetDir)
    {
        using FileStream file = File.OpenRead(tgzPath);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        Extract(gzip, targetDir, stripFirstComponent: true, what: tgzPath);
    }

    /// <summary>Unpacks an uncompressed tar stream into <paramref name="targetDir"/>.</summary>
    public static void Extract(Stream tar, string targetDir, bool stripFirstComponent, string what)
    {
        string root = Path.GetFullPath(targetDir);
        Directory.CreateDirectory(root);
        using var reader = new TarReader(tar, leaveOpen: true);
        TarEntry? entry;
        while ((entry = reader.GetNextEntry()) is not null)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.Directory))
                continue;
            string name = entry.Name.Replace('\\', '/');
            while (name.StartsWith("./", StringComparison.Ordinal)) name = name[2..];
            if (stripFirstComponent)
            {
                int slash = name.IndexOf('/');
                name = slash < 0 ? "" : name[(slash + 1)..];
            }
            if (name.Length == 0 || name == ".") continue;
            if (name.StartsWith('/') || name.Split('/').Contains(".."))
                throw new SourceFetchException($"{what}: refusing tar entry '{entry.Name}' (absolute path or '..')");
            string destination = Path.GetFullPath(Path.Combine(root, name));
            if (!destination.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new SourceFetchException($"{what}: refusing tar entry '{entry.Name}' (outside the target folder)");
            if (entry.EntryType == TarEntryType.Directory)
            {
                Directory.CreateDirectory(destination);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            using FileStream output = File.Create(destination);
            entry.DataStream?.CopyTo(output);
        }
    }
}
